package grammar

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

type arpaModel struct{ p, b map[string]float64 }

func parseARPA(t *testing.T, s string) arpaModel {
	t.Helper()
	m := arpaModel{p: map[string]float64{}, b: map[string]float64{}}
	order := 0
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "\\") && strings.HasSuffix(line, "-grams:") {
			order, _ = strconv.Atoi(line[1:2])
			continue
		}
		f := strings.Fields(line)
		if order == 0 || len(f) < order+1 {
			continue
		}
		p, _ := strconv.ParseFloat(f[0], 64)
		g := strings.Join(f[1:1+order], " ")
		m.p[g] = math.Pow(10, p)
		if len(f) == order+2 {
			b, _ := strconv.ParseFloat(f[order+1], 64)
			m.b[g] = math.Pow(10, b)
		}
	}
	return m
}

func (m arpaModel) prob(h []string, w string) float64 {
	if p, ok := m.p[strings.Join(append(append([]string(nil), h...), w), " ")]; ok {
		return p
	}
	if len(h) == 0 {
		return 0
	}
	b, ok := m.b[strings.Join(h, " ")]
	if !ok {
		b = 1
	}
	return b * m.prob(h[1:], w)
}
