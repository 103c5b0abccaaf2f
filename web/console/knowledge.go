package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/store"
)

// ShopSummary describes a served shop in the console.
type ShopSummary struct {
	ID         string   `json:"id"`
	Name       kb.Text  `json:"name"`
	Languages  []string `json:"languages"`
	FAQs       int      `json:"faqs"`
	Categories []string `json:"categories"`
	Mode       string   `json:"mode,omitempty"`
}

func (c *Console) listShops(w http.ResponseWriter, r *http.Request, _ user) {
	out := []ShopSummary{}
	for _, info := range c.brains.Shops() {
		s := ShopSummary{ID: info.ID, Name: info.Name, Languages: info.Languages, Categories: kb.Categories}
		if e, err := c.engine(info.ID); err == nil {
			s.FAQs = len(e.Shop().FAQs)
			s.Mode = e.ModeAt(c.clock())
		}
		out = append(out, s)
	}
	writeJSON(w, http.StatusOK, map[string]any{"shops": out})
}

// FAQView is a FAQ as the trainer console lists it.
type FAQView struct {
	*kb.FAQ
	Active bool     `json:"active"`
	Packs  []string `json:"packs,omitempty"`
}

func faqView(sh *kb.Shop, q *kb.FAQ) FAQView {
	v := FAQView{FAQ: q, Active: sh.Active(q.ID)}
	for _, p := range sh.IndustryPacks {
		if slices.Contains(p.FAQs, q.ID) {
			v.Packs = append(v.Packs, p.ID)
		}
	}
	return v
}

// listFAQs lists a shop's FAQs, optionally by ?category= and a ?q= search
// over ids, questions, answers and phrasings (case-insensitive).
func (c *Console) listFAQs(w http.ResponseWriter, r *http.Request, _ user) {
	e, err := c.engine(r.PathValue("shop"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	sh := e.Shop()
	cat, q := r.URL.Query().Get("category"), strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	out := []FAQView{}
	for _, f := range sh.FAQs {
		if cat != "" && f.Category != cat {
			continue
		}
		if q != "" && !faqMatches(f, q) {
			continue
		}
		out = append(out, faqView(sh, f))
	}
	writeJSON(w, http.StatusOK, map[string]any{"faqs": out, "categories": kb.Categories})
}

func faqMatches(f *kb.FAQ, q string) bool {
	hay := []string{f.ID}
	for _, t := range []kb.Text{f.Question, f.Answer} {
		for _, s := range t {
			hay = append(hay, s)
		}
	}
	for _, l := range f.Phrasings {
		hay = append(hay, l...)
	}
	for _, s := range hay {
		if strings.Contains(strings.ToLower(s), q) {
			return true
		}
	}
	return false
}

func (c *Console) getFAQ(w http.ResponseWriter, r *http.Request, _ user) {
	e, err := c.engine(r.PathValue("shop"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	sh := e.Shop()
	f := sh.FAQ(r.PathValue("id"))
	if f == nil {
		c.fail(w, r, notFound("no FAQ "+r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, faqView(sh, f))
}

// putFAQ creates or replaces a FAQ (the body is the FAQ in the shop format's
// JSON form; its id must match the path).
func (c *Console) putFAQ(w http.ResponseWriter, r *http.Request, u user) {
	var f kb.FAQ
	if err := decode(w, r, &f); err != nil {
		c.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	if f.ID == "" {
		f.ID = id
	}
	if f.ID != id {
		c.fail(w, r, bad("the FAQ's id must match the path"))
		return
	}
	if len(f.Related) > kb.MaxRelated {
		c.fail(w, r, bad(fmt.Sprintf("at most %d related questions", kb.MaxRelated)))
		return
	}
	action := "faq.update"
	sh, err := c.editShop(r.Context(), u, r.PathValue("shop"), "", id, func(file *kb.File) (string, string, error) {
		for i, q := range file.FAQs {
			if q.ID == id {
				before := summary(q)
				file.FAQs[i] = &f
				return before, summary(&f), nil
			}
		}
		action = "faq.create"
		// Keep the file grouped by category: after the last FAQ of its category.
		at := len(file.FAQs)
		for i, q := range file.FAQs {
			if q.Category == f.Category {
				at = i + 1
			}
		}
		file.FAQs = slices.Insert(file.FAQs, at, &f)
		return "", summary(&f), nil
	}, &action)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, faqView(sh, sh.FAQ(id)))
}

// deleteFAQ removes a FAQ and every reference to it (cards, related, packs).
func (c *Console) deleteFAQ(w http.ResponseWriter, r *http.Request, u user) {
	id := r.PathValue("id")
	action := "faq.delete"
	_, err := c.editShop(r.Context(), u, r.PathValue("shop"), "", id, func(file *kb.File) (string, string, error) {
		i := slices.IndexFunc(file.FAQs, func(q *kb.FAQ) bool { return q.ID == id })
		if i < 0 {
			return "", "", notFound("no FAQ " + id)
		}
		before := summary(file.FAQs[i])
		file.FAQs = slices.Delete(file.FAQs, i, i+1)
		drop := func(l []string) []string { return slices.DeleteFunc(l, func(s string) bool { return s == id }) }
		file.Shop.Cards = drop(file.Shop.Cards)
		for _, q := range file.FAQs {
			q.Related = drop(q.Related)
		}
		for _, p := range file.IndustryPacks {
			p.FAQs = drop(p.FAQs)
		}
		return before, "", nil
	}, &action)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// PhrasingRequest adds a phrasing to a FAQ.
type PhrasingRequest struct {
	Lang string `json:"lang"`
	Text string `json:"text"`
}

func (c *Console) addPhrasing(w http.ResponseWriter, r *http.Request, u user) {
	var req PhrasingRequest
	if err := decode(w, r, &req); err != nil {
		c.fail(w, r, err)
		return
	}
	sh, err := c.addPhrasingTo(r.Context(), u, r.PathValue("shop"), r.PathValue("id"), req.Lang, req.Text)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, faqView(sh, sh.FAQ(r.PathValue("id"))))
}

// addPhrasingTo appends text to a FAQ's phrasings in lang (once) and applies it.
func (c *Console) addPhrasingTo(ctx context.Context, u user, shop, id, lang, text string) (*kb.Shop, error) {
	text = strings.TrimSpace(text)
	if lang != kb.LangZH && lang != kb.LangEN {
		return nil, bad("lang: zh or en")
	}
	if text == "" || utf8.RuneCountInString(text) > kb.MaxStringLen {
		return nil, bad(fmt.Sprintf("text: 1 to %d characters", kb.MaxStringLen))
	}
	action := "faq.phrasing"
	return c.editShop(ctx, u, shop, "", id, func(file *kb.File) (string, string, error) {
		for _, q := range file.FAQs {
			if q.ID != id {
				continue
			}
			if slices.Contains(q.Phrasings[lang], text) {
				return "", "", conflict("the FAQ already has this phrasing")
			}
			if q.Phrasings == nil {
				q.Phrasings = kb.Texts{}
			}
			q.Phrasings[lang] = append(q.Phrasings[lang], text)
			seedPhrasings(q)
			return "", lang + ": " + text, nil
		}
		return "", "", notFound("no FAQ " + id)
	}, &action)
}

// seedPhrasings gives every language of q's question at least one
// phrasing (its question) once q has phrasings: the shop format wants
// phrasings in every language or none.
func seedPhrasings(q *kb.FAQ) {
	for l, text := range q.Question {
		if len(q.Phrasings[l]) == 0 && strings.TrimSpace(text) != "" {
			q.Phrasings[l] = []string{text}
		}
	}
}

// Profile is the editable part of a shop's profile: name, welcome message
// and cards, and the quick-setup facts.
type Profile struct {
	ID              string   `json:"id"`
	Name            kb.Text  `json:"name"`
	Category        string   `json:"category"`
	ShipWithinHours int      `json:"ship_within_hours"`
	Courier         kb.Text  `json:"courier"`
	ShipFrom        kb.Text  `json:"ship_from"`
	ServiceHours    string   `json:"service_hours"`
	Hotline         string   `json:"hotline"`
	Welcome         kb.Text  `json:"welcome"`
	Cards           []string `json:"cards"`
	Timezone        string   `json:"timezone,omitempty"`
}

func profileOf(p kb.Profile) Profile {
	return Profile{ID: p.ID, Name: p.Name, Category: p.Category, ShipWithinHours: p.ShipWithinHours, Courier: p.Courier,
		ShipFrom: p.ShipFrom, ServiceHours: p.ServiceHours, Hotline: p.Hotline, Welcome: p.Welcome, Cards: p.Cards,
		Timezone: p.Timezone}
}

func (c *Console) getProfile(w http.ResponseWriter, r *http.Request, _ user) {
	e, err := c.engine(r.PathValue("shop"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, profileOf(e.Shop().Shop))
}

func (c *Console) putProfile(w http.ResponseWriter, r *http.Request, u user) {
	var p Profile
	if err := decode(w, r, &p); err != nil {
		c.fail(w, r, err)
		return
	}
	shop := r.PathValue("shop")
	if p.ID != "" && p.ID != shop {
		c.fail(w, r, bad("a shop's id cannot change"))
		return
	}
	action := "profile.update"
	sh, err := c.editShop(r.Context(), u, shop, "", "shop", func(file *kb.File) (string, string, error) {
		before := summary(profileOf(file.Shop))
		s := &file.Shop
		s.Name, s.ShipWithinHours, s.Courier, s.ShipFrom = p.Name, p.ShipWithinHours, p.Courier, p.ShipFrom
		s.ServiceHours, s.Hotline, s.Welcome, s.Cards, s.Timezone = p.ServiceHours, p.Hotline, p.Welcome, p.Cards, p.Timezone
		if p.Category != "" {
			s.Category = p.Category
		}
		return before, summary(profileOf(*s)), nil
	}, &action)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, profileOf(sh.Shop))
}

// PackView is an industry pack and whether the shop subscribes it.
type PackView struct {
	ID         string `json:"id"`
	FAQs       int    `json:"faqs"`
	Subscribed bool   `json:"subscribed"`
}

func (c *Console) listPacks(w http.ResponseWriter, r *http.Request, _ user) {
	e, err := c.engine(r.PathValue("shop"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	sh := e.Shop()
	out := []PackView{}
	for _, p := range sh.IndustryPacks {
		out = append(out, PackView{ID: p.ID, FAQs: len(p.FAQs), Subscribed: sh.Subscribed(p.ID)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"packs": out})
}

// PackRequest subscribes or unsubscribes a pack.
type PackRequest struct {
	Subscribed bool `json:"subscribed"`
}

func (c *Console) putPack(w http.ResponseWriter, r *http.Request, u user) {
	var req PackRequest
	if err := decode(w, r, &req); err != nil {
		c.fail(w, r, err)
		return
	}
	pack := r.PathValue("pack")
	action := "packs.unsubscribe"
	if req.Subscribed {
		action = "packs.subscribe"
	}
	_, err := c.editShop(r.Context(), u, r.PathValue("shop"), "", pack, func(file *kb.File) (string, string, error) {
		if !slices.ContainsFunc(file.IndustryPacks, func(p *kb.Pack) bool { return p.ID == pack }) {
			return "", "", notFound("no industry pack " + pack)
		}
		cur := kb.NewShop(*file).SubscribedPacks()
		before := strings.Join(cur, ",")
		next := slices.DeleteFunc(slices.Clone(cur), func(s string) bool { return s == pack })
		if req.Subscribed {
			next = append(next, pack)
		}
		slices.Sort(next)
		if next == nil {
			next = []string{}
		}
		file.Shop.Packs = next
		return before, strings.Join(next, ","), nil
	}, &action)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.listPacks(w, r, u)
}

func (c *Console) listProducts(w http.ResponseWriter, r *http.Request, _ user) {
	e, err := c.engine(r.PathValue("shop"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	ps := e.Shop().Products
	if ps == nil {
		ps = []*kb.Product{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"products": ps})
}

// putProduct creates or replaces a product (with its size chart).
func (c *Console) putProduct(w http.ResponseWriter, r *http.Request, u user) {
	var p kb.Product
	if err := decode(w, r, &p); err != nil {
		c.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	if p.ID == "" {
		p.ID = id
	}
	if p.ID != id {
		c.fail(w, r, bad("the product's id must match the path"))
		return
	}
	action := "product.update"
	sh, err := c.editShop(r.Context(), u, r.PathValue("shop"), "", id, func(file *kb.File) (string, string, error) {
		for i, q := range file.Products {
			if q.ID == id {
				before := summary(q)
				file.Products[i] = &p
				return before, summary(&p), nil
			}
		}
		action = "product.create"
		file.Products = append(file.Products, &p)
		return "", summary(&p), nil
	}, &action)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sh.Product(id))
}

func (c *Console) exportShop(w http.ResponseWriter, r *http.Request, _ user) {
	shop := r.PathValue("shop")
	e, err := c.engine(shop)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := kb.Export(&buf, e.Shop()); err != nil {
		c.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.yaml"`, shop))
	_, _ = w.Write(buf.Bytes())
}

// importShop replaces the shop with an uploaded shop file (YAML body). The
// file must validate and keep the shop's id.
func (c *Console) importShop(w http.ResponseWriter, r *http.Request, u user) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/yaml" && mt != "application/x-yaml" && mt != "text/yaml" {
		c.fail(w, r, &apiError{status: http.StatusUnsupportedMediaType, code: CodeUnsupported, msg: "send the shop file as application/yaml"})
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxImportBytes))
	if err != nil {
		c.fail(w, r, &apiError{status: http.StatusRequestEntityTooLarge, code: CodeTooLarge, msg: "shop file too large"})
		return
	}
	shop := r.PathValue("shop")
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "upload.yaml"
	}
	parsed, err := kb.Parse(name, data)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if parsed.ID() != shop {
		c.fail(w, r, bad(fmt.Sprintf("the file is shop %q, not %q", parsed.ID(), shop)))
		return
	}
	action := "shop.import"
	sh, err := c.editShop(r.Context(), u, shop, name, "shop", func(file *kb.File) (string, string, error) {
		before := fmt.Sprintf("%d FAQs, %d products", len(file.FAQs), len(file.Products))
		*file = parsed.File
		file.Shop.Packs = parsed.SubscribedPacks()
		return before, fmt.Sprintf("%d FAQs, %d products (%s)", len(file.FAQs), len(file.Products), name), nil
	}, &action)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "faqs": len(sh.FAQs), "products": len(sh.Products)})
}

func (c *Console) listAudit(w http.ResponseWriter, r *http.Request, _ user) {
	es, err := c.st.Audit(r.Context(), store.AuditFilter{Shop: r.PathValue("shop"), Limit: 200})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"audit": es})
}

// editShop applies edit to a copy of the running shop, validates the result
// (problems name the field), stores it, records the audit row and reloads
// the brains. On any failure the running shop stays. name names the file in
// problems ("" for the shop's own). action may be changed by edit.
func (c *Console) editShop(ctx context.Context, u user, shop, name, target string,
	edit func(f *kb.File) (before, after string, err error), action *string) (*kb.Shop, error) {
	c.editMu.Lock()
	defer c.editMu.Unlock()
	e, err := c.engine(shop)
	if err != nil {
		return nil, err
	}
	cur := e.Shop()
	var old bytes.Buffer
	if err := kb.Export(&old, cur); err != nil {
		return nil, fmt.Errorf("console: export %s: %w", shop, err)
	}
	if name == "" {
		name = "shop " + shop
	}
	work, err := kb.Parse(name, old.Bytes()) // a deep copy to edit
	if err != nil {
		return nil, fmt.Errorf("console: running shop %s does not round-trip: %w", shop, err)
	}
	file := work.File
	file.Shop.Packs = cur.SubscribedPacks()
	before, after, err := edit(&file)
	if err != nil {
		return nil, err
	}
	if file.Shop.ID != shop {
		return nil, bad("a shop's id cannot change")
	}
	if err := kb.Validate(name, &file); err != nil {
		return nil, err
	}
	var next bytes.Buffer
	if err := kb.Export(&next, kb.NewShop(file)); err != nil {
		return nil, fmt.Errorf("console: export %s: %w", shop, err)
	}
	parsed, err := kb.Parse(name, next.Bytes()) // what the brains will load
	if err != nil {
		return nil, err
	}
	prev, prevErr := c.st.Shop(ctx, shop)
	if err := c.st.PutShop(ctx, shop, parsed.Shop.Name.Get(kb.LangZH), next.Bytes()); err != nil {
		return nil, err
	}
	if err := c.reload(ctx); err != nil {
		// Put the previous copy back so the next reload serves it again.
		if prevErr == nil {
			if rerr := c.st.PutShop(context.WithoutCancel(ctx), shop, prev.Name, prev.YAML); rerr != nil {
				err = errors.Join(err, rerr)
			}
		}
		return nil, fmt.Errorf("console: reload after editing %s: %w", shop, err)
	}
	if _, err := c.st.AddAudit(context.WithoutCancel(ctx), store.AuditEntry{User: u.Name, Shop: shop, Action: *action,
		Target: target, Before: before, After: after}); err != nil {
		c.log.Error("audit row lost", "shop", shop, "action", *action, "user", u.Name, "err", err)
	}
	c.restoreModes(ctx, shop)
	ne, err := c.engine(shop)
	if err != nil {
		return nil, err
	}
	served := ne.Shop()
	var check bytes.Buffer
	if err := kb.Export(&check, served); err == nil && !bytes.Equal(check.Bytes(), next.Bytes()) {
		// The server loaded another copy (a shop file named on the command
		// line wins over the store): say so instead of pretending.
		c.log.Warn("edited shop is not the one served; a shop file overrides the stored copy", "shop", shop)
		return nil, conflict("saved, but the server serves this shop from a file that overrides edits; remove --shop for it or edit the file")
	}
	c.log.Info("knowledge edited", "shop", shop, "action", *action, "target", target, "user", u.Name)
	return served, nil
}

// summary renders v as compact JSON for the audit log.
func summary(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// decode reads one JSON object of at most MaxBodyBytes into v.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &apiError{status: http.StatusRequestEntityTooLarge, code: CodeTooLarge, msg: fmt.Sprintf("body is larger than %d bytes", MaxBodyBytes)}
		}
		return &apiError{status: http.StatusBadRequest, code: CodeBadJSON, msg: "bad JSON: " + err.Error()}
	}
	if dec.More() {
		return &apiError{status: http.StatusBadRequest, code: CodeBadJSON, msg: "unexpected data after the JSON object"}
	}
	return nil
}
