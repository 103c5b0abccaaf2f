package normalize

import "strings"

// contractions expands whole words, with or without the apostrophe ASR
// transcripts often drop.
var contractions = map[string]string{
	"can't": "can not", "cant": "can not", "cannot": "can not",
	"won't": "will not", "wont": "will not", "shan't": "shall not",
	"ain't": "is not", "aint": "is not",
	"don't": "do not", "dont": "do not", "doesn't": "does not", "doesnt": "does not",
	"didn't": "did not", "didnt": "did not", "isn't": "is not", "isnt": "is not",
	"aren't": "are not", "arent": "are not", "wasn't": "was not", "wasnt": "was not",
	"weren't": "were not", "werent": "were not", "haven't": "have not", "havent": "have not",
	"hasn't": "has not", "hasnt": "has not", "hadn't": "had not", "hadnt": "had not",
	"wouldn't": "would not", "wouldnt": "would not", "couldn't": "could not", "couldnt": "could not",
	"shouldn't": "should not", "shouldnt": "should not",
	"i'm": "i am", "im": "i am", "i've": "i have", "ive": "i have", "i'll": "i will", "i'd": "i would",
	"you're": "you are", "youre": "you are", "they're": "they are", "theyre": "they are",
	"we're": "we are", "let's": "let us",
	"what's": "what is", "whats": "what is", "that's": "that is", "thats": "that is",
	"it's": "it is", "where's": "where is", "wheres": "where is", "there's": "there is",
	"theres": "there is", "here's": "here is", "who's": "who is", "how's": "how is",
	"when's": "when is", "why's": "why is", "he's": "he is", "she's": "she is",
	// Colloquial spellings.
	"gonna": "going to", "wanna": "want to", "gotta": "got to", "dunno": "do not know",
	"kinda": "kind of", "sorta": "sort of", "lemme": "let me", "gimme": "give me",
	"whaddya": "what do you", "ya": "you", "u": "you", "yeah": "yes", "yep": "yes",
	"yup": "yes", "yea": "yes", "nope": "no", "nah": "no", "okay": "ok", "okey": "ok",
	"okie": "ok", "cuz": "because", "cos": "because", "coz": "because", "pls": "please",
	"plz": "please", "thx": "thanks", "thanx": "thanks", "ta": "thanks", "hiya": "hi",
	"hullo": "hello", "hallo": "hello", "tho": "though", "outta": "out of", "y'all": "you",
	"alright": "all right",
	"innit":   "", "reckon": "think", "reckons": "thinks", "kindly": "please",
	"arvo": "afternoon", "brekkie": "breakfast", "cuppa": "cup of tea", "gotcha": "got you",
	"y'know": "you know", "dya": "do you", "d'you": "do you", "howdy": "hello", "g'day": "hello",
	"gday": "hello", "cya": "see you", "ttyl": "talk later", "asap": "as soon as possible",
	"tomorow": "tomorrow", "recieve": "receive", "recieved": "received", "adress": "address",
	"refun": "refund",
}

// fillers are dropped wherever they occur.
var fillers = map[string]bool{
	"uh": true, "uhh": true, "uhm": true, "um": true, "umm": true, "ummm": true, "er": true,
	"erm": true, "err": true, "hmm": true, "hmmm": true, "hm": true, "mm": true, "mmm": true,
	"ah": true, "ahh": true, "eh": true, "oh": true, "ooh": true,
}

// addressTerms are words a caller uses to address the agent ("thanks dear").
var addressTerms = map[string]bool{
	"dear": true, "love": true, "luv": true, "honey": true, "hun": true, "darling": true,
	"sweetheart": true, "sweetie": true, "pet": true, "duck": true, "mate": true,
}

// addressBefore are words after which an address term is vocative.
var addressBefore = map[string]bool{
	"hello": true, "hi": true, "hey": true, "thanks": true, "you": true, "ok": true,
	"yes": true, "no": true, "bye": true, "right": true, "cheers": true, "there": true,
	"well": true, "sorry": true, "please": true, "morning": true, "evening": true,
	"afternoon": true, "goodbye": true,
}

// quantifiers keep "sort of" meaningful ("what sort of courier").
var quantifiers = map[string]bool{
	"what": true, "which": true, "any": true, "this": true, "that": true, "some": true,
	"a": true, "the": true, "no": true, "every": true, "same": true,
}

// expandWords expands contractions and colloquial spellings and strips a
// possessive "'s" or stray apostrophe.
func expandWords(words []string) []string {
	changed := false
	for _, w := range words {
		if _, ok := contractions[w]; ok || strings.Contains(w, "'") {
			changed = true
			break
		}
	}
	if !changed {
		return words
	}
	out := make([]string, 0, len(words)+4)
	for _, w := range words {
		if x, ok := contractions[w]; ok {
			out = append(out, strings.Fields(x)...)
			continue
		}
		if i := strings.IndexByte(w, '\''); i >= 0 {
			switch suf := w[i:]; suf {
			case "'s":
				w = w[:i]
			case "n't":
				out = append(out, w[:i])
				w = "not"
			case "'re":
				out = append(out, w[:i])
				w = "are"
			case "'ve":
				out = append(out, w[:i])
				w = "have"
			case "'ll":
				out = append(out, w[:i])
				w = "will"
			case "'d":
				out = append(out, w[:i])
				w = "would"
			case "'m":
				out = append(out, w[:i])
				w = "am"
			default:
				w = strings.ReplaceAll(w, "'", "")
			}
		}
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

// dropEnglishFillers removes hesitation sounds, discourse fillers ("you
// know", "i mean", "sort of", a leading "well"/"like") and address terms.
// Decisions look at the previous kept word, so one pass removes a run.
func dropEnglishFillers(words []string) []string {
	out := words[:0:0]
	prev := func() string {
		if len(out) == 0 {
			return ""
		}
		return out[len(out)-1]
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		next := ""
		if i+1 < len(words) {
			next = words[i+1]
		}
		p := prev()
		switch {
		case fillers[w]:
			continue
		case (w == "well" || w == "like" || w == "so") && p == "" && next != "":
			continue
		case w == "like" && (fillers[next] || fillers[p]):
			continue
		case w == "you" && next == "know" && !isAskVerb(p):
			i++
			continue
		case w == "i" && next == "mean" && p != "what" && p != "do" && p != "you":
			i++
			continue
		case w == "sort" && next == "of" && !quantifiers[p]:
			i++
			continue
		case w == "young" && (next == "man" || next == "lady") && (p == "" || addressBefore[p] || i+2 == len(words)):
			i++
			continue
		case addressTerms[w] && (p == "" || addressBefore[p] || next == "") && p != "i" && p != "would" &&
			p != "too" && p != "so" && p != "very" && p != "is" && p != "a" && p != "my" && p != "the":
			if p == "" && next == "" {
				break // a lone "dear" is not an address
			}
			continue
		}
		out = append(out, w)
	}
	return out
}

func isAskVerb(w string) bool {
	switch w {
	case "do", "did", "does", "would", "if", "not", "you", "will", "could", "can":
		return true
	}
	return false
}
