package dialog

import (
	"fmt"
	"strings"
)

// msg keys for the brain's own sentences (everything else comes from the shop).
const (
	msgNotUnderstood      = "not_understood"
	msgNotUnderstoodAgain = "not_understood_again"
	msgOrderUnknown       = "order_unknown"
	msgOrderAskAgain      = "order_ask_again"
	msgOrderUnpaid        = "order_unpaid"
	msgOrderPaid          = "order_paid"
	msgOrderShipped       = "order_shipped"
	msgOrderDelivered     = "order_delivered"
	msgOrderRefunding     = "order_refunding"
	msgOrderRefunded      = "order_refunded"
	msgOrderClosed        = "order_closed"
	msgOrderLastEvent     = "order_last_event"
	msgPhoneMany          = "phone_many"
	msgAskProduct         = "ask_product"
	msgAskHeightWeight    = "ask_height_weight"
	msgAskHeight          = "ask_height"
	msgAskWeight          = "ask_weight"
	msgSizeAdvice         = "size_advice"
	msgSizeInStock        = "size_in_stock"
	msgSizeOutOfStock     = "size_out_of_stock"
	msgSizeOffChart       = "size_off_chart"
	msgStockSize          = "stock_size"
	msgStockSizeNone      = "stock_size_none"
	msgStockSizeUnknown   = "stock_size_unknown"
	msgStockAll           = "stock_all"
	msgStockNone          = "stock_none"
	msgAttribute          = "attribute"
	msgPrice              = "price"
	msgColors             = "colors"
	msgSizes              = "sizes"
	msgRecommendRelated   = "recommend_related"
	msgHandoffLive        = "handoff_live"
	msgHandoffCallback    = "handoff_callback"
	msgHandoffComplaint   = "handoff_complaint"
	msgHandoffMisses      = "handoff_misses"
	msgTicketLinked       = "ticket_linked"
	msgRepeatNothing      = "repeat_nothing"
	msgCardsMenu          = "cards_menu"
	msgBadKey             = "bad_key"
	msgHandoffHint        = "handoff_hint"
	msgApology            = "apology"
	msgConfirm            = "confirm"
	msgConfirmNo          = "confirm_no"
	msgPhoneUnknown       = "phone_unknown"
)

var messages = map[string][2]string{ // key -> {zh, en}
	msgNotUnderstood:      {"抱歉，我没太听明白。您可以换个说法再问一次，比如问发货、物流、尺码或者退换货。", "Sorry, I didn't quite catch that. Could you say it another way? You can ask me about shipping, deliveries, sizes or returns."},
	msgNotUnderstoodAgain: {"真抱歉，我还是没听明白。", "I'm sorry, I still didn't understand."},
	msgOrderUnknown:       {"抱歉，我没有查到订单号%s。请您再核对一下订单号，一位一位地慢慢说给我。", "Sorry, I couldn't find order number %s. Could you check the number and read it to me again, one digit at a time?"},
	msgOrderAskAgain:      {"请告诉我您的订单号，或者下单手机号的后四位。", "Please tell me your order number, or the last four digits of the phone number on the order."},
	msgOrderUnpaid:        {"订单%s还没有付款。付款以后我们会在%d小时内发货。", "Order %s hasn't been paid yet. Once it's paid, we'll ship it within %d hours."},
	msgOrderPaid:          {"订单%s已经付款，目前还没有发货，我们会在付款后%d小时内发出，发货后会给您发物流通知。", "Order %s is paid and hasn't shipped yet. We'll send it out within %d hours of payment, and you'll get a tracking notice once it ships."},
	msgOrderShipped:       {"订单%s已经由%s发出，运单号是%s。", "Order %s has been shipped with %s, tracking number %s."},
	msgOrderDelivered:     {"订单%s已经签收了。", "Order %s has been delivered."},
	msgOrderRefunding:     {"订单%s正在退款处理中。", "Order %s has a refund in progress."},
	msgOrderRefunded:      {"订单%s已经退款完成，钱会原路退回。", "Order %s has been refunded; the money goes back the way you paid."},
	msgOrderClosed:        {"订单%s已经关闭了。", "Order %s has been closed."},
	msgOrderLastEvent:     {"最新的物流信息是：%s，%s。", "The latest update, %s: %s."},
	msgPhoneUnknown:       {"没有查到手机尾号%s的订单。", "I couldn't find an order for a phone number ending in %s."},
	msgPhoneMany:          {"这个手机尾号下有好几个订单，请您告诉我订单号。", "There are several orders with that phone number. Please tell me the order number."},
	msgAskProduct:         {"请问您问的是哪一件商品？比如%s。", "Which item are you asking about? For example, %s."},
	msgAskHeightWeight:    {"请告诉我穿的人的身高和体重，我帮您选尺码。", "Please tell me the wearer's height and weight, and I'll pick the size for you."},
	msgAskHeight:          {"请再告诉我身高是多少。", "And how tall is the wearer?"},
	msgAskWeight:          {"请再告诉我体重是多少。", "And what's the wearer's weight?"},
	msgSizeAdvice:         {"身高%s、体重%s，%s建议选%s码。", "For a height of %s and a weight of %s, I'd suggest size %s in the %s."},
	msgSizeInStock:        {"这个尺码现在有货。", "That size is in stock."},
	msgSizeOutOfStock:     {"不过这个尺码暂时卖完了，有货的尺码是：%s。", "That size is sold out at the moment, though; sizes in stock: %s."},
	msgSizeOffChart:       {"这个身高体重超出了%s的尺码表，最接近的是%s码，建议转人工帮您确认一下。", "That height and weight are outside the %s size chart; the closest is size %s, and an agent can help you confirm."},
	msgStockSize:          {"%s的%s码有货，还有%d件。", "The %s in size %s is in stock, %d left."},
	msgStockSizeNone:      {"%s的%s码暂时卖完了。%s", "The %s in size %s is sold out for now. %s"},
	msgStockSizeUnknown:   {"%s没有%s码，可选的尺码是：%s。", "The %s doesn't come in size %s; the sizes are %s."},
	msgStockAll:           {"%s目前有货的尺码是：%s。", "The %s is in stock in these sizes: %s."},
	msgStockNone:          {"%s目前全部卖完了。", "The %s is sold out at the moment."},
	msgAttribute:          {"%s的%s：%s。", "The %s, %s: %s."},
	msgPrice:              {"%s的价格是%s元。", "The %s costs %s yuan."},
	msgColors:             {"%s有这些颜色：%s。", "The %s comes in %s."},
	msgSizes:              {"%s有这些尺码：%s。", "The %s comes in sizes %s."},
	msgRecommendRelated:   {"和%s搭配的，推荐您看看%s。", "To go with the %s, I'd suggest the %s."},
	msgHandoffLive:        {"好的，正在为您转接人工客服，请稍等。", "Sure, I'm putting you through to an agent now, please hold on."},
	msgHandoffCallback:    {"现在不是人工客服的上班时间，人工服务时间是每天%s。我已经帮您登记了回电，客服上班后会尽快给您打回来。", "Our agents aren't on duty right now; they're available every day, %s. I've booked a callback for you, and an agent will call you back as soon as they're in."},
	msgHandoffComplaint:   {"非常抱歉给您带来这么不好的体验，我马上帮您转给人工客服处理。", "I'm very sorry for the trouble you've had. Let me pass you to an agent right away."},
	msgHandoffMisses:      {"我帮您转人工客服，让客服来帮您。", "Let me put you through to an agent who can help."},
	msgTicketLinked:       {"好的，已经把订单%s登记到您的售后单里，我们会尽快处理。", "Thank you, I've added order %s to your after-sales case, and we'll deal with it quickly."},
	msgRepeatNothing:      {"我们刚刚开始通话，您想问点什么呢？", "We've only just started. What would you like to ask?"},
	msgCardsMenu:          {"您可以直接说您的问题，或者按键选择：%s。", "You can ask your question, or press a key: %s."},
	msgBadKey:             {"这个按键没有对应的问题。", "That key has no question on it."},
	msgHandoffHint:        {"如果需要，您也可以说转人工。", "If you like, you can also say agent to talk to a person."},
	msgApology:            {"非常抱歉给您带来不好的体验。", "I'm very sorry for the trouble you've had."},
	msgConfirm:            {"您是想问“%s”吗？", "Did you mean: %s?"},
	msgConfirmNo:          {"好的，麻烦您换个说法再说一遍。", "Sorry about that. Could you say it again in other words?"},
}

// say renders a brain sentence in lang.
func say(lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return ""
	}
	t := m[1]
	if lang == "zh" {
		t = m[0]
	}
	if len(args) == 0 {
		return t
	}
	return fmt.Sprintf(t, args...)
}

// join lists items the way lang reads them aloud.
func join(lang string, items []string) string {
	if lang == "zh" {
		return strings.Join(items, "、")
	}
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// concat joins sentences of lang with the right spacing.
func concat(lang string, parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 && lang != "zh" {
			b.WriteByte(' ')
		}
		b.WriteString(p)
	}
	return b.String()
}
