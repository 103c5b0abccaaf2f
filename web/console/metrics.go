package console

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/callbee/callbee/store"
)

// MetricsResponse is the metrics page's data.
type MetricsResponse struct {
	Shop  string    `json:"shop"`
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	store.Metrics
	Questions map[string]string `json:"questions"` // FAQ id -> question, for labels
}

// period reads ?since=&until= (RFC 3339) or ?days=N (default 7).
func (c *Console) period(r *http.Request) (store.MetricsFilter, error) {
	q := r.URL.Query()
	now := c.clock()
	f := store.MetricsFilter{Shop: r.PathValue("shop"), Until: now}
	days := 7
	if v := q.Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3660 {
			return f, bad("days: 1 to 3660")
		}
		days = n
	}
	f.Since = now.AddDate(0, 0, -days)
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, bad(p.name + ": an RFC 3339 time")
			}
			*p.dst = t
		}
	}
	if !f.Until.After(f.Since) {
		return f, bad("until must be after since")
	}
	return f, nil
}

func (c *Console) metrics(w http.ResponseWriter, r *http.Request, _ user) {
	e, err := c.engine(r.PathValue("shop"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	f, err := c.period(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	m, err := c.st.Metrics(r.Context(), f, 10)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	out := MetricsResponse{Shop: f.Shop, Since: f.Since, Until: f.Until, Metrics: m, Questions: map[string]string{}}
	sh := e.Shop()
	for _, q := range m.TopQuestions {
		if faq := sh.FAQ(q.Key); faq != nil {
			out.Questions[q.Key] = faq.Question.Get(r.URL.Query().Get("lang"))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// complaints is the complaint report: frequent complaint types with
// examples, as JSON or (?format=csv) a CSV file a shop manager can open.
func (c *Console) complaints(w http.ResponseWriter, r *http.Request, _ user) {
	e, err := c.engine(r.PathValue("shop"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	f, err := c.period(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	cs, err := c.st.Complaints(r.Context(), f, 3)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	lang := r.URL.Query().Get("lang")
	sh := e.Shop()
	label := func(typ string) string {
		if q := sh.FAQ(typ); q != nil {
			return q.Question.Get(lang)
		}
		return typ
	}
	if r.URL.Query().Get("format") != "csv" {
		labels := map[string]string{}
		for _, ct := range cs {
			labels[ct.Type] = label(ct.Type)
		}
		writeJSON(w, http.StatusOK, map[string]any{"shop": f.Shop, "since": f.Since, "until": f.Until, "complaints": cs, "labels": labels})
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="complaints-%s-%s.csv"`, f.Shop, f.Until.Format("20060102")))
	_, _ = w.Write([]byte("\xEF\xBB\xBF")) // BOM: spreadsheet programs then read UTF-8 (Chinese) correctly
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"type", "question", "count", "example_time", "example_session", "example_text", "example_emotion"})
	for _, ct := range cs {
		if len(ct.Examples) == 0 {
			_ = cw.Write([]string{ct.Type, csvSafe(label(ct.Type)), strconv.Itoa(ct.N), "", "", "", ""})
		}
		for _, ex := range ct.Examples {
			_ = cw.Write([]string{ct.Type, csvSafe(label(ct.Type)), strconv.Itoa(ct.N), ex.At.Format(time.RFC3339), ex.Session,
				csvSafe(ex.Text), ex.Emotion})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		c.log.Warn("writing complaint CSV", "err", err)
	}
}

// csvSafe defuses spreadsheet formulas in caller text (CSV injection).
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
