package store

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestRecordCall(t *testing.T) {
	checkGoroutines(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	path := filepath.Join(t.TempDir(), "calls.db")
	s, err := Open(ctx, path, WithLogger(quietLog))
	if err != nil {
		t.Fatal(err)
	}
	ans := t0.Add(3 * time.Second).UTC()
	in := CallRecord{Door: "sip", CallID: "a@h", SessionID: "s1", Shop: "demo", From: "1001", To: "2000",
		Direction: CallIn, Started: t0, Answered: &ans, Ended: t0.Add(time.Minute), Reason: "caller-hangup",
		Status: 200, Codec: "PCMU", Packets: 2900, Lost: 3, JitterMS: 1.25, Turns: 4, Handoff: true,
		TransferTarget: "sip:agent@pbx", TransferResult: "transferred"}
	missed := CallRecord{Door: "sip", CallID: "b@h", Shop: "other", To: "555", Direction: CallOut,
		Started: t0.Add(time.Hour), Ended: t0.Add(time.Hour + 30*time.Second), Reason: "no-answer", Status: 408}
	for _, c := range []CallRecord{in, missed} {
		if _, err := s.RecordCall(ctx, c); err != nil {
			t.Fatalf("RecordCall(%s): %v", c.CallID, err)
		}
	}
	for _, bad := range []struct {
		name string
		c    CallRecord
	}{
		{"no door", CallRecord{CallID: "x", Direction: CallIn, Started: t0}},
		{"no call id", CallRecord{Door: "sip", Direction: CallIn, Started: t0}},
		{"no start", CallRecord{Door: "sip", CallID: "x", Direction: CallIn}},
		{"bad direction", CallRecord{Door: "sip", CallID: "x", Direction: "sideways", Started: t0}},
	} {
		if _, err := s.RecordCall(ctx, bad.c); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", bad.name, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopen the file: the rows are durable and read back field for field.
	s, err = Open(ctx, path, WithLogger(quietLog))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	all, err := s.Calls(ctx, CallFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].CallID != "b@h" || all[1].CallID != "a@h" {
		t.Fatalf("Calls = %+v, want b@h then a@h (newest first)", all)
	}
	want := in
	want.ID = all[1].ID
	want.Started, want.Ended = t0.UTC(), t0.Add(time.Minute).UTC()
	if !reflect.DeepEqual(all[1], want) {
		t.Errorf("read back\n got %+v\nwant %+v", all[1], want)
	}
	if all[0].Answered != nil || all[0].Handoff {
		t.Errorf("missed call: answered %v handoff %v, want nil false", all[0].Answered, all[0].Handoff)
	}
	for _, tc := range []struct {
		name string
		f    CallFilter
		want []string
	}{
		{"shop", CallFilter{Shop: "demo"}, []string{"a@h"}},
		{"session", CallFilter{Session: "s1"}, []string{"a@h"}},
		{"direction", CallFilter{Direction: CallOut}, []string{"b@h"}},
		{"since", CallFilter{Since: t0.Add(time.Minute)}, []string{"b@h"}},
		{"limit", CallFilter{Limit: 1}, []string{"b@h"}},
		{"none", CallFilter{Shop: "nobody"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Calls(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, c := range got {
				ids = append(ids, c.CallID)
			}
			if !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("got %v, want %v", ids, tc.want)
			}
		})
	}
}
