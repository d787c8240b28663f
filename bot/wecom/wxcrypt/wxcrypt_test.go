package wxcrypt

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// Official sample vectors published by Tencent with its WXBizMsgCrypt sample
// code: github.com/sbzhu/weworkapi_golang sample.go (XML form) and
// github.com/workweixin/weworkapi_golang json_callback/sample.go (JSON form),
// the same values as in the Python/Java/C# samples and the encryption doc
// (developer.work.weixin.qq.com/document/path/90968).
const (
	sampleToken   = "QDG6eK"
	sampleCorpID  = "wx5823bf96d3bd56c7"
	sampleAESKey  = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	verifySig     = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
	verifyTS      = "1409659589"
	verifyNonce   = "263014780"
	verifyEchoStr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="

	xmlSig   = "477715d11cdb4164915debcba66cb864d751f3e6"
	xmlTS    = "1409659813"
	xmlNonce = "1372623149"
	xmlBody  = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"

	jsonSig  = "0623cbc5a8cbee5bcc137c70de99575366fc2af3"
	jsonBody = `{"tousername":"wx5823bf96d3bd56c7","encrypt":"CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko=","agentid":"218"}`
)

func sample(t testing.TB) *Crypt {
	t.Helper()
	c, err := New(sampleToken, sampleAESKey, sampleCorpID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOfficialVerifyURL(t *testing.T) {
	got, err := sample(t).VerifyURL(verifySig, verifyTS, verifyNonce, verifyEchoStr)
	if err != nil {
		t.Fatal(err)
	}
	if want := "1616140317555161061"; string(got) != want {
		t.Errorf("echostr = %q, want %q", got, want)
	}
}

func TestOfficialXML(t *testing.T) {
	msg, err := sample(t).DecryptBody(xmlSig, xmlTS, xmlNonce, []byte(xmlBody))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>", "<MsgType><![CDATA[text]]></MsgType>", "<AgentID>218</AgentID>"} {
		if !strings.Contains(string(msg), want) {
			t.Errorf("decrypted XML %q lacks %q", msg, want)
		}
	}
}

func TestOfficialJSON(t *testing.T) {
	msg, err := sample(t).DecryptBody(jsonSig, xmlTS, xmlNonce, []byte(jsonBody))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ToUserName":"wx5823bf96d3bd56c7","FromUserName":"mycreate","CreateTime": 1409659813,"MsgType":"text","Content":"hello","MsgId":4561255354251345929,"AgentID": 218}`
	if string(msg) != want {
		t.Errorf("decrypted JSON = %s, want %s", msg, want)
	}
}

func TestWrongReceiveID(t *testing.T) {
	c, err := New(sampleToken, sampleAESKey, "ww0000000000000000")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DecryptBody(xmlSig, xmlTS, xmlNonce, []byte(xmlBody)); !errors.Is(err, ErrReceiveID) {
		t.Errorf("err = %v, want ErrReceiveID", err)
	}
	open, err := New(sampleToken, sampleAESKey, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := open.DecryptBody(xmlSig, xmlTS, xmlNonce, []byte(xmlBody)); err != nil {
		t.Errorf("empty receive id (smart robot) must not check it: %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, rid := range []string{"", sampleCorpID} {
		c, err := New("tok", sampleAESKey, rid)
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range []string{"", "a", strings.Repeat("报名 3\n", 100), strings.Repeat("x", 12), strings.Repeat("y", 31-20)} {
			enc, err := c.Encrypt([]byte(msg))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := base64.StdEncoding.DecodeString(enc)
			if len(raw)%32 != 0 {
				t.Errorf("ciphertext length %d, want a multiple of 32", len(raw))
			}
			got, err := c.Decrypt(enc)
			if err != nil || string(got) != msg {
				t.Errorf("round trip of %q = %q, %v", msg, got, err)
			}
		}
		j, err := c.EncryptJSON([]byte(`{"msgtype":"stream"}`), "1700000000", "n1")
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.DecryptReply(j)
		if err != nil || string(got) != `{"msgtype":"stream"}` {
			t.Errorf("JSON reply round trip = %q, %v", got, err)
		}
		x, err := c.EncryptXML([]byte(`<xml>hi</xml>`), "1700000000", "n1")
		if err != nil {
			t.Fatal(err)
		}
		got, err = c.DecryptReply(x)
		if err != nil || string(got) != `<xml>hi</xml>` {
			t.Errorf("XML reply round trip = %q, %v", got, err)
		}
	}
}

// rawEncrypt builds a ciphertext from an arbitrary (possibly malformed)
// padded plaintext.
func rawEncrypt(c *Crypt, plain []byte) string {
	buf := append([]byte(nil), plain...)
	encryptBlocks(c, buf)
	return base64.StdEncoding.EncodeToString(buf)
}

func TestTampered(t *testing.T) {
	c := sample(t)
	enc, err := c.Encrypt([]byte(`{"msgid":"1"}`))
	if err != nil {
		t.Fatal(err)
	}
	good := c.Sign("1", "2", enc)
	raw, _ := base64.StdEncoding.DecodeString(enc)
	flipped := append([]byte(nil), raw...)
	flipped[len(flipped)-1] ^= 0xff

	padWrong := make([]byte, 64)
	padWrong[63] = 33
	padMixed := make([]byte, 64)
	for i := 40; i < 64; i++ {
		padMixed[i] = 24
	}
	padMixed[50] = 7
	longLen := make([]byte, 64)
	longLen[16], longLen[63] = 0x7f, 1
	for i := 32; i < 64; i++ {
		longLen[i] = 32
	}
	short := make([]byte, 32)
	for i := 16; i < 32; i++ {
		short[i] = 16
	}

	cases := []struct {
		name string
		err  error
		run  func() error
	}{
		{"bad signature", ErrSignature, func() error { _, err := c.VerifyURL(otherLastDigit(good), "1", "2", enc); return err }},
		{"signature of other data", ErrSignature, func() error { _, err := c.VerifyURL(good, "1", "3", enc); return err }},
		{"bad base64", ErrBase64, func() error { _, err := c.Decrypt("!!not base64!!"); return err }},
		{"empty", ErrCipher, func() error { _, err := c.Decrypt(""); return err }},
		{"truncated", ErrCipher, func() error { _, err := c.Decrypt(base64.StdEncoding.EncodeToString(raw[:len(raw)-5])); return err }},
		{"truncated block", ErrPadding, func() error {
			_, err := c.Decrypt(base64.StdEncoding.EncodeToString(raw[:len(raw)-16]))
			return err
		}},
		{"flipped last byte", ErrPadding, func() error { _, err := c.Decrypt(base64.StdEncoding.EncodeToString(flipped)); return err }},
		{"pad out of range", ErrPadding, func() error { _, err := c.Decrypt(rawEncrypt(c, padWrong)); return err }},
		{"pad bytes differ", ErrPadding, func() error { _, err := c.Decrypt(rawEncrypt(c, padMixed)); return err }},
		{"length beyond text", ErrLength, func() error { _, err := c.Decrypt(rawEncrypt(c, longLen)); return err }},
		{"shorter than header", ErrLength, func() error { _, err := c.Decrypt(rawEncrypt(c, short)); return err }},
		{"envelope not json", ErrFormat, func() error { _, err := c.DecryptBody(good, "1", "2", []byte("{")); return err }},
		{"envelope without encrypt", ErrFormat, func() error { _, err := c.DecryptBody(good, "1", "2", []byte(`{"x":1}`)); return err }},
		{"xml without encrypt", ErrFormat, func() error { _, err := c.DecryptBody(good, "1", "2", []byte(`<xml></xml>`)); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); !errors.Is(err, tc.err) {
				t.Errorf("err = %v, want %v", err, tc.err)
			}
		})
	}
}

func TestZeroLengthMessage(t *testing.T) {
	c := sample(t)
	enc, err := c.Encrypt(nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Decrypt(enc)
	if err != nil || len(got) != 0 {
		t.Errorf("zero-length message = %q, %v; want empty, nil", got, err)
	}
}

func TestKeyValidation(t *testing.T) {
	for _, k := range []string{"", "short", sampleAESKey + "A", sampleAESKey[:42] + "!", strings.Repeat("=", 43)} {
		if err := ValidKey(k); !errors.Is(err, ErrKey) {
			t.Errorf("ValidKey(%q) = %v, want ErrKey", k, err)
		}
	}
	if err := ValidKey(sampleAESKey); err != nil {
		t.Errorf("ValidKey(sample) = %v", err)
	}
}

func FuzzDecrypt(f *testing.F) {
	c := sample(f)
	f.Add(verifyEchoStr)
	f.Add("")
	f.Add("AAAA")
	f.Add(strings.Repeat("A", 44))
	enc, _ := c.Encrypt([]byte("hello"))
	f.Add(enc)
	f.Fuzz(func(t *testing.T, s string) {
		msg, rid, err := c.Open(s)
		if err == nil && len(msg)+len(rid) > len(s) {
			t.Fatalf("decrypted more than was sent")
		}
		_, _ = c.Decrypt(s)
		_, _ = c.DecryptBody("x", "1", "2", []byte(s))
		_, _ = c.DecryptReply([]byte(s))
	})
}

func BenchmarkDecryptBody(b *testing.B) {
	c := sample(b)
	for b.Loop() {
		if _, err := c.DecryptBody(xmlSig, xmlTS, xmlNonce, []byte(xmlBody)); err != nil {
			b.Fatal(err)
		}
	}
}

// otherLastDigit changes a hex signature's last digit (to a different one:
// a fixed replacement would equal the original one time in sixteen).
func otherLastDigit(sig string) string {
	last := "0"
	if sig[len(sig)-1] == '0' {
		last = "1"
	}
	return sig[:len(sig)-1] + last
}
