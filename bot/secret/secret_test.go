package secret_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"gridbot/bot/config"
	"gridbot/bot/secret"
)

const raw = "s3cr3t+/key=="

func TestValueNeverPrints(t *testing.T) {
	v := secret.New(" " + raw + " ")
	if v.Reveal() != raw {
		t.Fatalf("Reveal = %q, want %q", v.Reveal(), raw)
	}
	type cfg struct {
		AppID  string       `json:"app_id" yaml:"app_id"`
		Secret secret.Value `json:"secret" yaml:"secret"`
	}
	c := cfg{AppID: "wx1", Secret: v}
	type client struct {
		cfg cfg // unexported: fmt cannot call the Value's methods here
		n   int
	}
	cl := &client{cfg: c}
	j, _ := json.Marshal(c)
	y, _ := yaml.Marshal(c)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("start", "cfg", c, "secret", v)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("start", "secret", v)
	outs := map[string]string{
		"%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", c), "%#v": fmt.Sprintf("%#v", c),
		"%s": fmt.Sprintf("%s", v), "%q": fmt.Sprintf("%q", v), "%x": fmt.Sprintf("%x", v),
		"json": string(j), "yaml": string(y), "slog": logs.String(),
		"nested %+v": fmt.Sprintf("%+v", cl), "nested %#v": fmt.Sprintf("%#v", *cl),
		"error": fmt.Errorf("call failed with %v: %w", v, errors.New("x")).Error(),
	}
	for how, out := range outs {
		if strings.Contains(out, raw) || strings.Contains(out, "s3cr3t") {
			t.Errorf("%s leaks the secret: %s", how, out)
		}
		if !strings.Contains(out, secret.Mask) && !strings.HasPrefix(how, "nested") {
			t.Errorf("%s shows no mask: %s", how, out)
		}
	}
	if secret.New("").String() != "" || !secret.New(" ").IsZero() {
		t.Error("an empty secret should print empty and be zero")
	}
}

func TestConfigFillsFromEnvironment(t *testing.T) {
	var c struct {
		OA struct {
			AppID     string       `yaml:"app_id"`
			AppSecret secret.Value `yaml:"app_secret"`
		} `yaml:"oa"`
	}
	if err := config.Load(&c, "", []string{"GRIDBOT_OA_APP_ID=wx1", "GRIDBOT_OA_APP_SECRET=" + raw}); err != nil {
		t.Fatal(err)
	}
	if c.OA.AppSecret.Reveal() != raw || c.OA.AppID != "wx1" {
		t.Fatalf("got %q %q", c.OA.AppID, c.OA.AppSecret.Reveal())
	}
}

func TestRedact(t *testing.T) {
	err := `Get "https://api.weixin.qq.com/sns/oauth2/access_token?secret=s3cr3t%2B%2Fkey%3D%3D&code=1": dial tcp: refused`
	got := secret.Redact(err, secret.New(raw), secret.Value{})
	if strings.Contains(got, "s3cr3t") || !strings.Contains(got, "secret="+secret.Mask) {
		t.Fatalf("Redact = %s", got)
	}
	if got := secret.Redact("plain "+raw, secret.New(raw)); got != "plain ***" {
		t.Fatalf("Redact raw = %q", got)
	}
}
