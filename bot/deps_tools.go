//go:build tools

package bot

// Keeps the chosen libraries in go.mod while the packages that use them are
// being written; delete once each is imported for real.
import (
	_ "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/robfig/cron/v3"
	_ "github.com/xuri/excelize/v2"
	_ "gopkg.in/yaml.v3"
)
