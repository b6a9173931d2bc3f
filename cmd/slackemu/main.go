// Command slackemu runs the Slack emulator (internal/slackemu) for manual
// trials: point the bot at it with the printed environment and drive it as
// a user through the control API under /_emu/, e.g.
//
//	curl -s localhost:9999/_emu/command -d '{"user":"U1","command":"/perform","text":"help"}'
//	curl -s 'localhost:9999/_emu/view?user=U1'
//	curl -s localhost:9999/_emu/submit -d '{"user":"U1","view_id":"V…","values":{…}}'
//	curl -s 'localhost:9999/_emu/messages?to=U1'
//	curl -s localhost:9999/_emu/violations
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/massperform/massperform/internal/slackemu"
)

func main() {
	var (
		addr       = flag.String("addr", "127.0.0.1:9999", "address to listen on")
		usersFile  = flag.String("users", "", "CSV file of users (columns id,email,name,tz)")
		channels   = flag.String("channels", "", "channels the bot is in, as id:name,id:name; id:name:private for a private one (HR_CHANNEL must be)")
		botToken   = flag.String("bot-token", "xoxb-emulator", "bot token")
		appToken   = flag.String("app-token", "xapp-emulator", "app-level token")
		ackTimeout = flag.Duration("ack-timeout", 3*time.Second, "Slack's ack deadline")
		triggerTTL = flag.Duration("trigger-ttl", 3*time.Second, "trigger_id lifetime")
		noLimits   = flag.Bool("no-rate-limits", false, "disable rate limiting")
		quiet      = flag.Bool("q", false, "do not log calls and connections")
		deliverTo  = flag.String("deliver-to", "", "post commands, clicks, forms and events, signed, to the bot's request URLs under this address (SLACK_MODE=http), like http://127.0.0.1:8080, instead of over Socket Mode")
	)
	flag.Parse()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	cfg := slackemu.Config{
		Addr:              *addr,
		BotToken:          *botToken,
		AppToken:          *appToken,
		AckTimeout:        *ackTimeout,
		TriggerTTL:        *triggerTTL,
		DisableRateLimits: *noLimits,
	}
	if !*quiet {
		cfg.Logf = log.Printf
	}

	var users []slackemu.User
	if *usersFile != "" {
		f, err := os.Open(*usersFile)
		if err != nil {
			log.Fatal(err)
		}
		users, err = slackemu.ParseUsersCSV(f)
		_ = f.Close()
		if err != nil {
			log.Fatalf("%s: %v", *usersFile, err)
		}
	}

	emu := slackemu.New(cfg)
	emu.AddUsers(users)
	for c := range strings.SplitSeq(*channels, ",") {
		if id, name, ok := strings.Cut(strings.TrimSpace(c), ":"); ok {
			name, private := strings.CutSuffix(name, ":private")
			emu.PutChannel(slackemu.Channel{ID: id, Name: name, Private: private})
		}
	}

	if *deliverTo != "" {
		emu.DeliverTo(*deliverTo)
		fmt.Printf("SLACK_API_URL=%s\nSLACK_BOT_TOKEN=%s\nSLACK_MODE=http\nSLACK_SIGNING_SECRET=%s\n", emu.APIURL(), emu.BotToken(), emu.SigningSecret())
	} else {
		fmt.Printf("SLACK_API_URL=%s\nSLACK_BOT_TOKEN=%s\nSLACK_APP_TOKEN=%s\n", emu.APIURL(), emu.BotToken(), emu.AppToken())
	}
	fmt.Fprintf(os.Stderr, "slackemu: %d users; control API at %s/_emu/ (Ctrl-C to stop)\n", len(users), emu.URL())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	emu.Close()
	if v := emu.Violations(); len(v) > 0 {
		fmt.Fprintf(os.Stderr, "slackemu: %d violations:\n  %s\n", len(v), strings.Join(v, "\n  "))
	}
}
