// Package wxcrypt implements WeChat Work's callback message crypto
// (WXBizMsgCrypt) on the standard library: the SHA-1 signature over the
// sorted token, timestamp, nonce and ciphertext, and AES-256-CBC with the key
// from the 43-character EncodingAESKey, the IV being the key's first 16
// bytes, PKCS#7 padding to 32-byte blocks, and the plaintext laid out as
// random(16) + length(4, big-endian) + message + receive id.
//
// Every malformed input is rejected with an error; nothing here panics.
package wxcrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Errors returned by this package; test with errors.Is.
var (
	ErrKey       = errors.New("wxcrypt: EncodingAESKey must be 43 base64 characters")
	ErrSignature = errors.New("wxcrypt: signature mismatch")
	ErrBase64    = errors.New("wxcrypt: ciphertext is not valid base64")
	ErrCipher    = errors.New("wxcrypt: ciphertext length is not a positive multiple of the block size")
	ErrPadding   = errors.New("wxcrypt: bad padding")
	ErrLength    = errors.New("wxcrypt: bad message length")
	ErrReceiveID = errors.New("wxcrypt: receive id mismatch")
	ErrFormat    = errors.New("wxcrypt: malformed envelope")
)

const padBlock = 32

// Crypt encrypts and decrypts messages for one callback configuration. It is
// safe for concurrent use.
type Crypt struct {
	token     string
	key       []byte
	block     cipher.Block
	receiveID string
}

// ValidKey reports whether encodingAESKey is a usable EncodingAESKey: 43
// characters that decode, with "=" appended, to 32 bytes.
func ValidKey(encodingAESKey string) error {
	_, err := decodeKey(encodingAESKey)
	return err
}

func decodeKey(s string) ([]byte, error) {
	if len(s) != 43 {
		return nil, ErrKey
	}
	k, err := base64.StdEncoding.DecodeString(s + "=")
	if err != nil || len(k) != 32 {
		return nil, ErrKey
	}
	return k, nil
}

// New returns a Crypt for token, encodingAESKey and receiveID. receiveID is
// the corp id for an app callback and "" for a smart robot; when it is not
// empty, decryption also checks that the message was meant for it.
func New(token, encodingAESKey, receiveID string) (*Crypt, error) {
	k, err := decodeKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	b, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("wxcrypt: %w", err)
	}
	return &Crypt{token: token, key: k, block: b, receiveID: receiveID}, nil
}

// ReceiveID returns the receive id this Crypt writes and checks.
func (c *Crypt) ReceiveID() string { return c.receiveID }

// Signature returns the hex SHA-1 of token, timestamp, nonce and data,
// sorted and concatenated.
func Signature(token, timestamp, nonce, data string) string {
	parts := []string{token, timestamp, nonce, data}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// Sign returns the msg_signature of data under this Crypt's token.
func (c *Crypt) Sign(timestamp, nonce, data string) string {
	return Signature(c.token, timestamp, nonce, data)
}

// Check returns ErrSignature unless sig is the signature of data, compared
// in constant time.
func (c *Crypt) Check(sig, timestamp, nonce, data string) error {
	want := c.Sign(timestamp, nonce, data)
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(sig)), []byte(want)) != 1 {
		return ErrSignature
	}
	return nil
}

// Encrypt returns the base64 ciphertext of msg with a fresh random prefix.
func (c *Crypt) Encrypt(msg []byte) (string, error) {
	var rnd [16]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", fmt.Errorf("wxcrypt: random: %w", err)
	}
	return c.encrypt(rnd[:], msg), nil
}

func (c *Crypt) encrypt(rnd, msg []byte) string {
	n := 20 + len(msg) + len(c.receiveID)
	pad := padBlock - n%padBlock
	buf := make([]byte, n+pad)
	copy(buf, rnd)
	binary.BigEndian.PutUint32(buf[16:20], uint32(len(msg)))
	copy(buf[20:], msg)
	copy(buf[20+len(msg):], c.receiveID)
	for i := n; i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf)
}

// Decrypt returns the message inside the base64 ciphertext, checking the
// padding, the length field and (when configured) the receive id.
func (c *Crypt) Decrypt(ciphertext string) ([]byte, error) {
	msg, rid, err := c.Open(ciphertext)
	if err != nil {
		return nil, err
	}
	if c.receiveID != "" && subtle.ConstantTimeCompare(rid, []byte(c.receiveID)) != 1 {
		return nil, ErrReceiveID
	}
	return msg, nil
}

// Open decrypts ciphertext and returns the message and the receive id it
// carries, without checking the receive id.
func (c *Crypt) Open(ciphertext string) (msg, receiveID []byte, err error) {
	raw, err := base64.StdEncoding.DecodeString(ciphertext)
	if err != nil {
		return nil, nil, ErrBase64
	}
	if len(raw) == 0 || len(raw)%aes.BlockSize != 0 {
		return nil, nil, ErrCipher
	}
	cipher.NewCBCDecrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(raw, raw)
	pad := int(raw[len(raw)-1])
	if pad < 1 || pad > padBlock || pad > len(raw) {
		return nil, nil, ErrPadding
	}
	for _, b := range raw[len(raw)-pad:] {
		if int(b) != pad {
			return nil, nil, ErrPadding
		}
	}
	raw = raw[:len(raw)-pad]
	if len(raw) < 20 {
		return nil, nil, ErrLength
	}
	n := binary.BigEndian.Uint32(raw[16:20])
	if uint64(n) > uint64(len(raw)-20) {
		return nil, nil, ErrLength
	}
	return raw[20 : 20+n], raw[20+n:], nil
}

// VerifyURL checks the signature of a URL verification request and returns
// the decrypted echostr, which is the response body WeChat Work expects.
func (c *Crypt) VerifyURL(sig, timestamp, nonce, echostr string) ([]byte, error) {
	if err := c.Check(sig, timestamp, nonce, echostr); err != nil {
		return nil, err
	}
	return c.Decrypt(echostr)
}
