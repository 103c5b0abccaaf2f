// Package kb owns a shop's knowledge: its profile and quick-setup facts, the FAQ
// with categories and related questions, industry packs, products, orders, the
// welcome message and question cards. It imports, validates and exports the
// shop file format described in docs/shop-format.md (the demo shop's SCHEMA.md).
//
// A *Shop is read-only once loaded, except for pack subscriptions, which are
// guarded by a mutex so a running bot can change them live.
package kb

import (
	"sort"
	"strings"
	"sync"
	"time"
)

// Languages the shop format carries. Every human-language field is keyed by them.
const (
	LangZH = "zh"
	LangEN = "en"
)

// Categories are the seven FAQ categories, in display order.
var Categories = []string{"chat", "product", "promotion", "purchase", "logistics", "aftersales", "more"}

// Actions a FAQ may name instead of, or besides, its static answer.
var Actions = []string{"order_status", "size_advice", "product_attribute", "handoff", "repeat",
	"slower", "louder", "recommend", "aftersales_register", "goodbye"}

// Order statuses as they appear in the shop file.
var OrderStatuses = []string{"unpaid", "paid", "shipped", "delivered", "refunding", "refunded", "closed"}

// Limits from the shop format.
const (
	MaxRelated = 5
	MaxCards   = 6
)

// GeneralPack is the industry pack every shop is subscribed to by default.
const GeneralPack = "general"

// Text is a human-language string keyed by locale ("zh", "en").
type Text map[string]string

// Get returns the text in lang, falling back to the other language.
func (t Text) Get(lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	for _, l := range []string{LangZH, LangEN} {
		if s := t[l]; s != "" {
			return s
		}
	}
	return ""
}

// Texts is a list of strings per locale (phrasings, aliases, colours).
type Texts map[string][]string

// Get returns the strings in lang.
func (t Texts) Get(lang string) []string { return t[lang] }

// Profile holds the shop's identity and quick-setup facts.
type Profile struct {
	ID              string   `yaml:"id" json:"id"`
	Name            Text     `yaml:"name" json:"name"`
	Category        string   `yaml:"category" json:"category"`
	ShipWithinHours int      `yaml:"ship_within_hours" json:"ship_within_hours"`
	Courier         Text     `yaml:"courier" json:"courier"`
	ShipFrom        Text     `yaml:"ship_from" json:"ship_from"`
	ServiceHours    string   `yaml:"service_hours" json:"service_hours"`
	Hotline         string   `yaml:"hotline" json:"hotline"`
	Welcome         Text     `yaml:"welcome" json:"welcome"`
	Cards           []string `yaml:"cards" json:"cards"`
	// Timezone of service_hours; the format says Asia/Shanghai, so that is the default.
	Timezone string `yaml:"timezone,omitempty" json:"timezone,omitempty"`
	// Packs lists subscribed industry packs. Nil (no packs key) means the
	// default: the general pack plus the pack named like the shop's main
	// category; an empty non-nil list (packs: []) subscribes none.
	Packs []string `yaml:"packs,omitempty" json:"packs,omitempty"`
}

// FAQ is one question the shop answers.
type FAQ struct {
	ID        string   `yaml:"id" json:"id"`
	Category  string   `yaml:"category" json:"category"`
	Question  Text     `yaml:"question" json:"question"`
	Phrasings Texts    `yaml:"phrasings,omitempty" json:"phrasings,omitempty"`
	Answer    Text     `yaml:"answer" json:"answer"`
	Related   []string `yaml:"related,omitempty" json:"related,omitempty"`
	Action    string   `yaml:"action,omitempty" json:"action,omitempty"`
}

// SizeRow recommends Size for a height range (cm) and weight range (kg), inclusive.
type SizeRow struct {
	Size   string `yaml:"size" json:"size"`
	Height [2]int `yaml:"height,flow" json:"height"`
	Weight [2]int `yaml:"weight,flow" json:"weight"`
}

// Product is an item the shop sells.
type Product struct {
	ID         string          `yaml:"id" json:"id"`
	Title      Text            `yaml:"title" json:"title"`
	Aliases    Texts           `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	Price      float64         `yaml:"price" json:"price"`
	Colors     Texts           `yaml:"colors,omitempty" json:"colors,omitempty"`
	Sizes      []string        `yaml:"sizes,omitempty" json:"sizes,omitempty"`
	SizeChart  []SizeRow       `yaml:"size_chart,omitempty" json:"size_chart,omitempty"`
	Attributes map[string]Text `yaml:"attributes,omitempty" json:"attributes,omitempty"`
	Stock      map[string]int  `yaml:"stock,omitempty" json:"stock,omitempty"`
	Tags       []string        `yaml:"tags,omitempty" json:"tags,omitempty"`
	Related    []string        `yaml:"related,omitempty" json:"related,omitempty"`
}

// OrderItem is one line of an order.
type OrderItem struct {
	Product string `yaml:"product" json:"product"`
	Size    string `yaml:"size,omitempty" json:"size,omitempty"`
	Color   Text   `yaml:"color,omitempty" json:"color,omitempty"`
	Qty     int    `yaml:"qty" json:"qty"`
}

// TrackEvent is one step of a parcel's journey.
type TrackEvent struct {
	At    time.Time `yaml:"at" json:"at"`
	Event Text      `yaml:"event" json:"event"`
}

// Order is an order a buyer may ask about.
type Order struct {
	ID              string       `yaml:"id" json:"id"`
	BuyerPhoneLast4 string       `yaml:"buyer_phone_last4,omitempty" json:"buyer_phone_last4,omitempty"`
	Status          string       `yaml:"status" json:"status"`
	Items           []OrderItem  `yaml:"items,omitempty" json:"items,omitempty"`
	PaidAt          *time.Time   `yaml:"paid_at,omitempty" json:"paid_at,omitempty"`
	Courier         Text         `yaml:"courier,omitempty" json:"courier,omitempty"`
	TrackingNo      string       `yaml:"tracking_no,omitempty" json:"tracking_no,omitempty"`
	Tracking        []TrackEvent `yaml:"tracking,omitempty" json:"tracking,omitempty"`
}

// Pack is an industry pack: a subscribable set of FAQs.
type Pack struct {
	ID   string   `yaml:"id" json:"id"`
	FAQs []string `yaml:"faqs" json:"faqs"`
}

// File is the on-disk shape of a shop file.
type File struct {
	Shop          Profile    `yaml:"shop" json:"shop"`
	FAQs          []*FAQ     `yaml:"faqs" json:"faqs"`
	Products      []*Product `yaml:"products,omitempty" json:"products,omitempty"`
	Orders        []*Order   `yaml:"orders,omitempty" json:"orders,omitempty"`
	IndustryPacks []*Pack    `yaml:"industry_packs,omitempty" json:"industry_packs,omitempty"`
}

// Shop is a loaded, validated shop with lookup indexes.
type Shop struct {
	File

	faqByID     map[string]*FAQ
	productByID map[string]*Product
	orderByID   map[string]*Order
	packByID    map[string]*Pack
	faqPacks    map[string][]string // faq id -> ids of the packs holding it

	mu         sync.RWMutex    // guards subscribed
	subscribed map[string]bool // pack id -> subscribed
}

// NewShop indexes a file that has already been validated.
func NewShop(f File) *Shop {
	s := &Shop{
		File:        f,
		faqByID:     make(map[string]*FAQ, len(f.FAQs)),
		productByID: make(map[string]*Product, len(f.Products)),
		orderByID:   make(map[string]*Order, len(f.Orders)),
		packByID:    make(map[string]*Pack, len(f.IndustryPacks)),
		faqPacks:    map[string][]string{},
		subscribed:  map[string]bool{},
	}
	for _, q := range f.FAQs {
		s.faqByID[q.ID] = q
	}
	for _, p := range f.Products {
		s.productByID[p.ID] = p
	}
	for _, o := range f.Orders {
		s.orderByID[o.ID] = o
	}
	for _, p := range f.IndustryPacks {
		s.packByID[p.ID] = p
		for _, id := range p.FAQs {
			s.faqPacks[id] = append(s.faqPacks[id], p.ID)
		}
	}
	for _, id := range f.defaultPacks() {
		if _, ok := s.packByID[id]; ok {
			s.subscribed[id] = true
		}
	}
	return s
}

// defaultPacks returns the packs the file subscribes: shop.packs when the file
// has the key (an empty list subscribes none), else the default, GeneralPack
// plus the pack named like the shop's main category.
func (f *File) defaultPacks() []string {
	if f.Shop.Packs != nil {
		return f.Shop.Packs
	}
	return []string{GeneralPack, f.Shop.Category}
}

// ID returns the shop's id.
func (s *Shop) ID() string { return s.Shop.ID }

// FAQ returns the FAQ with id, or nil.
func (s *Shop) FAQ(id string) *FAQ { return s.faqByID[id] }

// Product returns the product with id, or nil.
func (s *Shop) Product(id string) *Product { return s.productByID[id] }

// Order returns the order with id, or nil.
func (s *Shop) Order(id string) *Order { return s.orderByID[id] }

// Pack returns the industry pack with id, or nil.
func (s *Shop) Pack(id string) *Pack { return s.packByID[id] }

// Subscribed reports whether pack id is subscribed.
func (s *Shop) Subscribed(id string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.subscribed[id]
}

// SubscribedPacks returns the subscribed pack ids, sorted.
func (s *Shop) SubscribedPacks() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.subscribed))
	for id, ok := range s.subscribed {
		if ok {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// Subscribe turns an industry pack on.
func (s *Shop) Subscribe(id string) error {
	if s.packByID[id] == nil {
		return &UnknownError{Kind: "industry pack", ID: id}
	}
	s.mu.Lock()
	s.subscribed[id] = true
	s.mu.Unlock()
	return nil
}

// Unsubscribe turns an industry pack off.
func (s *Shop) Unsubscribe(id string) error {
	if s.packByID[id] == nil {
		return &UnknownError{Kind: "industry pack", ID: id}
	}
	s.mu.Lock()
	delete(s.subscribed, id)
	s.mu.Unlock()
	return nil
}

// Active reports whether the bot may answer with FAQ id: a FAQ that belongs to
// no pack is the shop's own and always active; a pack FAQ is active while at
// least one pack holding it is subscribed.
func (s *Shop) Active(id string) bool {
	if s.faqByID[id] == nil {
		return false
	}
	packs := s.faqPacks[id]
	if len(packs) == 0 {
		return true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, p := range packs {
		if s.subscribed[p] {
			return true
		}
	}
	return false
}

// ActiveFAQs returns the FAQs the bot may answer with, in file order.
func (s *Shop) ActiveFAQs() []*FAQ {
	out := make([]*FAQ, 0, len(s.FAQs))
	for _, q := range s.FAQs {
		if s.Active(q.ID) {
			out = append(out, q)
		}
	}
	return out
}

// Location returns the time zone of the shop's service hours.
func (s *Shop) Location() *time.Location {
	name := s.Shop.Timezone
	if name == "" {
		name = "Asia/Shanghai"
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// Fill replaces {placeholders} in an answer with the shop's facts in lang.
// Unknown placeholders are left as they are. Known names: shop_name,
// ship_within_hours, courier, ship_from, service_hours, hotline.
func (s *Shop) Fill(text, lang string) string {
	if !strings.Contains(text, "{") {
		return text
	}
	return s.Replacer(lang).Replace(text)
}

// Replacer returns the placeholder replacer for lang.
func (s *Shop) Replacer(lang string) *strings.Replacer {
	p := s.Shop
	hours := p.ServiceHours
	if lang == LangZH {
		hours = strings.ReplaceAll(hours, "-", "到")
	} else {
		hours = strings.ReplaceAll(hours, "-", " to ")
	}
	return strings.NewReplacer(
		"{shop_name}", p.Name.Get(lang),
		"{ship_within_hours}", itoa(p.ShipWithinHours),
		"{courier}", p.Courier.Get(lang),
		"{ship_from}", p.ShipFrom.Get(lang),
		"{service_hours}", hours,
		"{hotline}", p.Hotline,
	)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
