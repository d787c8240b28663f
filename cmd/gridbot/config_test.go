package main

import (
	"os"
	"strings"
	"testing"

	"gridbot/bot/config"
)

// TestExampleDocumentsEveryKey keeps config.example.yaml complete: it must
// load cleanly and mention every key the program reads.
func TestExampleDocumentsEveryKey(t *testing.T) {
	const path = "../../config.example.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaultConfig()
	if err := config.Load(&cfg, path, nil); err != nil {
		t.Fatalf("example does not load: %v", err)
	}
	text := string(data)
	for _, key := range config.Keys(&cfg) {
		leaf := key[strings.LastIndexByte(key, '.')+1:]
		if !strings.Contains(text, leaf+":") {
			t.Errorf("config.example.yaml does not document %s", key)
		}
	}
}

func TestDefaultsAreTheTrial(t *testing.T) {
	cfg, err := loadConfig("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.trial() || cfg.Redis.Addr != "" || cfg.Timezone != "Asia/Shanghai" || cfg.HTTP.Listen != "127.0.0.1:8080" {
		t.Errorf("defaults = %+v", cfg)
	}
}
