package codec

import "sync"

// The companding follows the ITU-T G.191 software tools (g711.c), bit-exact:
// μ-law works on 14-bit magnitudes with bias 0x84, A-law on 13 bits with
// even-bit inversion (0x55). Encoding uses 64 KiB tables built once.

var (
	ulawEncTable = sync.OnceValue(func() *[65536]uint8 { return encTable(linearToUlaw) })
	alawEncTable = sync.OnceValue(func() *[65536]uint8 { return encTable(linearToAlaw) })
	ulawDecTable = sync.OnceValue(func() *[256]int16 { return decTable(ulawToLinear) })
	alawDecTable = sync.OnceValue(func() *[256]int16 { return decTable(alawToLinear) })
)

func encTable(f func(int16) uint8) *[65536]uint8 {
	var t [65536]uint8
	for i := range t {
		t[i] = f(int16(uint16(i)))
	}
	return &t
}

func decTable(f func(uint8) int16) *[256]int16 {
	var t [256]int16
	for i := range t {
		t[i] = f(uint8(i))
	}
	return &t
}

// linearToUlaw is G.191 linear2ulaw on a 16-bit sample.
func linearToUlaw(pcm int16) uint8 {
	const bias, clip = 0x84, 32635
	v := int(pcm)
	mask := 0xFF
	if v < 0 {
		v = -v
		mask = 0x7F
	}
	if v > clip {
		v = clip
	}
	v += bias
	seg := 0
	for t := v >> 7; t > 1; t >>= 1 {
		seg++
	}
	if seg > 7 {
		seg = 7
	}
	return uint8((seg<<4 | (v>>(seg+3))&0x0F) ^ mask)
}

// ulawToLinear is G.191 ulaw2linear, scaled to 16 bits.
func ulawToLinear(u uint8) int16 {
	u = ^u
	t := (int(u&0x0F) << 3) + 0x84
	t <<= (u & 0x70) >> 4
	if u&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}

// linearToAlaw is G.191 linear2alaw on a 16-bit sample.
func linearToAlaw(pcm int16) uint8 {
	v := int(pcm) >> 3 // 13-bit
	mask := 0xD5
	if v < 0 {
		mask = 0x55
		v = -v - 1
	}
	segEnd := [8]int{0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF}
	seg := 0
	for seg < 8 && v > segEnd[seg] {
		seg++
	}
	if seg >= 8 {
		return uint8(0x7F ^ mask)
	}
	a := seg << 4
	if seg < 2 {
		a |= (v >> 1) & 0x0F
	} else {
		a |= (v >> seg) & 0x0F
	}
	return uint8(a ^ mask)
}

// alawToLinear is G.191 alaw2linear, scaled to 16 bits.
func alawToLinear(a uint8) int16 {
	a ^= 0x55
	t := int(a&0x0F) << 4
	seg := int(a&0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}
