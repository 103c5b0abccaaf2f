package sip

import (
	"context"
	"fmt"
	"time"

	"github.com/callbee/callbee/store"
	"github.com/callbee/callbee/telephony"
)

// recordTimeout bounds writing one call record.
const recordTimeout = 5 * time.Second

// CallRecorder keeps call records (*store.Store).
type CallRecorder interface {
	RecordCall(ctx context.Context, c store.CallRecord) (int64, error)
}

var _ CallRecorder = (*store.Store)(nil)

// WithCallRecords writes one record per call (answered or not, inbound or
// outbound) to r when the call is over, before the WithOnCallEnd hook runs.
// A failed write is logged; it does not affect the call.
func WithCallRecords(r CallRecorder) Option {
	return func(s *Server) error {
		if r == nil {
			return fmt.Errorf("sip: nil call recorder: %w", ErrBadOption)
		}
		s.records = r
		return nil
	}
}

// CallRecord turns a finished call's description and the Answerer's result
// into a store record.
func CallRecord(info CallInfo, res telephony.Result) store.CallRecord {
	r := store.CallRecord{
		Door:           telephony.DoorSIP,
		CallID:         info.ID,
		SessionID:      res.Session,
		Shop:           info.Shop,
		From:           info.From,
		To:             info.To,
		Direction:      store.CallIn,
		Started:        info.Start,
		Ended:          info.End,
		Reason:         info.Reason,
		Status:         info.Status,
		Codec:          info.Stats.Codec,
		Packets:        int64(info.Stats.PacketsIn),
		Lost:           info.Stats.PacketsLost,
		JitterMS:       float64(info.Stats.Jitter) / float64(time.Millisecond),
		Turns:          len(res.Turns),
		Handoff:        res.Handoff != nil,
		TransferTarget: info.TransferTarget,
		TransferResult: info.TransferResult,
	}
	if info.Outbound {
		r.Direction = store.CallOut
	}
	if !info.Answer.IsZero() {
		a := info.Answer
		r.Answered = &a
	}
	return r
}

// recordCall writes the call's record, on the call's goroutine.
func (s *Server) recordCall(info CallInfo, res telephony.Result) {
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	if _, err := s.records.RecordCall(ctx, CallRecord(info, res)); err != nil {
		s.log.Warn("sip: call record", "call", info.ID, "err", err)
	}
}
