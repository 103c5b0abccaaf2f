package siptest

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// WriteUlawWAV writes 8 kHz samples as the μ-law WAV file sipp streams
// with <exec rtp_stream="name,1,0"/> (through sox, as sipp expects sox's
// header layout). It returns the file's path.
func WriteUlawWAV(dir, name string, samples []int16) (string, error) {
	if _, err := exec.LookPath("sox"); err != nil {
		return "", fmt.Errorf("siptest: sox not installed: %w", err)
	}
	pcm := filepath.Join(dir, name+".pcm16.wav")
	b := make([]byte, 44, 44+2*len(samples))
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*len(samples)))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1) // PCM
	binary.LittleEndian.PutUint16(b[22:], 1) // mono
	binary.LittleEndian.PutUint32(b[24:], 8000)
	binary.LittleEndian.PutUint32(b[28:], 16000)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*len(samples)))
	for _, s := range samples {
		b = binary.LittleEndian.AppendUint16(b, uint16(s))
	}
	if err := os.WriteFile(pcm, b, 0o644); err != nil {
		return "", err
	}
	out := filepath.Join(dir, name)
	if o, err := exec.Command("sox", pcm, "-r", "8000", "-c", "1", "-e", "u-law", "-b", "8", out).CombinedOutput(); err != nil {
		return "", fmt.Errorf("siptest: sox: %w: %s", err, o)
	}
	return out, nil
}
