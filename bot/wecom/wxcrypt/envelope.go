package wxcrypt

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
)

// JSONReply is the encrypted JSON passive reply.
type JSONReply struct {
	Encrypt      string `json:"encrypt"`
	MsgSignature string `json:"msgsignature"`
	Timestamp    string `json:"timestamp"`
	Nonce        string `json:"nonce"`
}

type xmlIn struct {
	Encrypt string `xml:"Encrypt"`
}

type cdata struct {
	Text string `xml:",cdata"`
}

type xmlReply struct {
	XMLName      xml.Name `xml:"xml"`
	Encrypt      cdata    `xml:"Encrypt"`
	MsgSignature cdata    `xml:"MsgSignature"`
	TimeStamp    string   `xml:"TimeStamp"`
	Nonce        cdata    `xml:"Nonce"`
}

// EncryptedField returns the ciphertext of a JSON or XML callback body,
// whichever form it is in.
func EncryptedField(body []byte) (string, error) {
	b := bytes.TrimSpace(body)
	if len(b) > 0 && b[0] == '<' {
		var in xmlIn
		if err := xml.Unmarshal(b, &in); err != nil || in.Encrypt == "" {
			return "", ErrFormat
		}
		return in.Encrypt, nil
	}
	var in map[string]json.RawMessage
	if err := json.Unmarshal(b, &in); err != nil {
		return "", ErrFormat
	}
	for k, v := range in {
		if k == "encrypt" || k == "Encrypt" {
			var s string
			if json.Unmarshal(v, &s) == nil && s != "" {
				return s, nil
			}
		}
	}
	return "", ErrFormat
}

// DecryptBody checks the signature of a JSON or XML callback body and returns
// its decrypted message.
func (c *Crypt) DecryptBody(sig, timestamp, nonce string, body []byte) ([]byte, error) {
	enc, err := EncryptedField(body)
	if err != nil {
		return nil, err
	}
	if err := c.Check(sig, timestamp, nonce, enc); err != nil {
		return nil, err
	}
	return c.Decrypt(enc)
}

// EncryptJSON encrypts msg into the JSON passive reply form
// {"encrypt","msgsignature","timestamp","nonce"}.
func (c *Crypt) EncryptJSON(msg []byte, timestamp, nonce string) ([]byte, error) {
	enc, err := c.Encrypt(msg)
	if err != nil {
		return nil, err
	}
	return json.Marshal(JSONReply{Encrypt: enc, MsgSignature: c.Sign(timestamp, nonce, enc), Timestamp: timestamp, Nonce: nonce})
}

// EncryptXML encrypts msg into the XML passive reply form of app callbacks.
func (c *Crypt) EncryptXML(msg []byte, timestamp, nonce string) ([]byte, error) {
	enc, err := c.Encrypt(msg)
	if err != nil {
		return nil, err
	}
	out, err := xml.Marshal(xmlReply{Encrypt: cdata{enc}, MsgSignature: cdata{c.Sign(timestamp, nonce, enc)}, TimeStamp: timestamp, Nonce: cdata{nonce}})
	if err != nil {
		return nil, fmt.Errorf("wxcrypt: %w", err)
	}
	return out, nil
}

// DecryptReply checks and decrypts a JSON or XML passive reply (the inverse
// of EncryptJSON and EncryptXML), for tests and fakes.
func (c *Crypt) DecryptReply(body []byte) ([]byte, error) {
	b := bytes.TrimSpace(body)
	var enc, sig, ts, nonce string
	if len(b) > 0 && b[0] == '<' {
		var r xmlReply
		if err := xml.Unmarshal(b, &r); err != nil {
			return nil, ErrFormat
		}
		enc, sig, ts, nonce = r.Encrypt.Text, r.MsgSignature.Text, r.TimeStamp, r.Nonce.Text
	} else {
		var r JSONReply
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, ErrFormat
		}
		enc, sig, ts, nonce = r.Encrypt, r.MsgSignature, r.Timestamp, r.Nonce
	}
	if enc == "" {
		return nil, ErrFormat
	}
	if err := c.Check(sig, ts, nonce, enc); err != nil {
		return nil, err
	}
	return c.Decrypt(enc)
}
