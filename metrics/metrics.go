// Package metrics is what the bot tells Prometheus: envelopes and how fast
// they are acked, handler failures, Slack API calls and their outcomes,
// the outbox, and the scheduled jobs.
package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors, registered on their own registry.
type Metrics struct {
	Registry      *prometheus.Registry
	envelopes     *prometheus.CounterVec
	ack           *prometheus.HistogramVec
	handlerErrors *prometheus.CounterVec
	panics        *prometheus.CounterVec
	slackCalls    *prometheus.CounterVec
	slackErrors   *prometheus.CounterVec
	rateLimited   *prometheus.CounterVec
	errorCodes    errorCodes
	jobRuns       *prometheus.CounterVec
	jobSeconds    *prometheus.HistogramVec
}

// New returns the metrics, with the Go runtime's and the process's.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		envelopes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "massperform_envelopes_total", Help: "Socket Mode envelopes received, by type.",
		}, []string{"type"}),
		ack: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "massperform_ack_duration_seconds", Help: "Time from an envelope's arrival to its ack, by type.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 3},
		}, []string{"type"}),
		handlerErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "massperform_handler_errors_total", Help: "Handlers that failed on our side (not a refusal), by handler.",
		}, []string{"handler"}),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "massperform_handler_panics_total", Help: "Handlers that panicked (and were recovered), by handler.",
		}, []string{"handler"}),
		slackCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "massperform_slack_calls_total", Help: "Slack Web API calls, by method and outcome (ok, slack_error, rate_limited, client_error, server_error, network_error).",
		}, []string{"method", "outcome"}),
		slackErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "massperform_slack_errors_total", Help: "Slack Web API calls that Slack answered with ok:false, by method and Slack's error code.",
		}, []string{"method", "error"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "massperform_slack_rate_limited_total", Help: "Slack Web API calls answered 429, by method.",
		}, []string{"method"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "massperform_job_runs_total", Help: "Scheduled job runs, by job and outcome (ok, failed, skipped).",
		}, []string{"job", "outcome"}),
		jobSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "massperform_job_duration_seconds", Help: "How long scheduled jobs ran, by job.",
			Buckets: prometheus.ExponentialBuckets(.01, 4, 10),
		}, []string{"job"}),
	}
	m.Registry.MustRegister(m.envelopes, m.ack, m.handlerErrors, m.panics, m.slackCalls, m.slackErrors, m.rateLimited, m.jobRuns, m.jobSeconds,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// Envelope counts an envelope of this type.
func (m *Metrics) Envelope(typ string) { m.envelopes.WithLabelValues(typ).Inc() }

// Acked records how long an envelope of this type waited for its ack.
func (m *Metrics) Acked(typ string, d time.Duration) { m.ack.WithLabelValues(typ).Observe(d.Seconds()) }

// HandlerFailed counts a handler failing on our side.
func (m *Metrics) HandlerFailed(handler string) { m.handlerErrors.WithLabelValues(handler).Inc() }

// HandlerPanicked counts a handler's panic.
func (m *Metrics) HandlerPanicked(handler string) { m.panics.WithLabelValues(handler).Inc() }

// Job records a run of a scheduled job.
func (m *Metrics) Job(job string, ran bool, err error, d time.Duration) {
	outcome := "ok"
	switch {
	case err != nil:
		outcome = "failed"
	case !ran:
		outcome = "skipped" // another process held the job
	}
	m.jobRuns.WithLabelValues(job, outcome).Inc()
	if ran {
		m.jobSeconds.WithLabelValues(job).Observe(d.Seconds())
	}
}

// BuildInfo exports massperform_build_info{version,goversion} 1.
func (m *Metrics) BuildInfo(version string) {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "massperform_build_info", Help: "The running build: its version and Go's, always 1."}, []string{"version", "goversion"})
	g.WithLabelValues(version, runtime.Version()).Set(1)
	m.Registry.MustRegister(g)
}

// Outbox reports, when scraped, the outbox's notifications by status and
// the age of the oldest one still pending (0 when none is). Every replica
// reads the same database, so each reports the same figures: read them
// with max() across replicas, never sum().
func (m *Metrics) Outbox(counts func(ctx context.Context) (map[string]int, error), oldest func(ctx context.Context) (time.Duration, error)) {
	m.Registry.MustRegister(&outboxCollector{counts: counts, oldest: oldest,
		desc: prometheus.NewDesc("massperform_outbox_notifications", "Notifications in the outbox, by status (pending, sent, failed, cancelled).", []string{"status"}, nil),
		age:  prometheus.NewDesc("massperform_outbox_oldest_pending_age_seconds", "How long the oldest notification still to send has waited (0 when none is).", nil, nil)})
}

type outboxCollector struct {
	counts    func(ctx context.Context) (map[string]int, error)
	oldest    func(ctx context.Context) (time.Duration, error)
	desc, age *prometheus.Desc
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc; ch <- c.age }

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.counts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
	} else {
		for _, status := range []string{"pending", "sent", "failed", "cancelled"} {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[status]), status)
		}
	}
	if age, err := c.oldest(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(c.age, err)
	} else {
		ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, age.Seconds())
	}
}

// Transport counts the Slack Web API calls made through next by method and
// outcome. Only the method's name is read from the URL: never a token, a
// channel or a message. Slack answers most refusals with HTTP 200 and
// {"ok":false,"error":"code"}: for those the body's ok and error are read
// (and the body handed on whole to the client), and the call counts as a
// slack_error, by its code.
func (m *Metrics) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		method := "other"
		if i := strings.LastIndex(r.URL.Path, "/api/"); i >= 0 {
			method = r.URL.Path[i+len("/api/"):]
		} else if strings.Contains(r.URL.Path, "upload") {
			method = "upload"
		}
		resp, err := next.RoundTrip(r)
		outcome := "network_error"
		if err == nil {
			switch code := resp.StatusCode; {
			case code == http.StatusTooManyRequests:
				outcome = "rate_limited"
				m.rateLimited.WithLabelValues(method).Inc()
			case code >= 500:
				outcome = "server_error"
			case code >= 400:
				outcome = "client_error"
			default:
				outcome = "ok"
				if code, ok := slackError(resp); !ok {
					outcome = "slack_error"
					m.slackErrors.WithLabelValues(method, m.errorCodes.label(code)).Inc()
				}
			}
		}
		m.slackCalls.WithLabelValues(method, outcome).Inc()
		return resp, err
	})
}

// maxSlackBody is how much of an answer slackError reads: Slack's largest
// (a users.list page of a thousand people) are a few megabytes.
const maxSlackBody = 64 << 20

// slackError reads a JSON answer's "ok" and "error" and puts the body back
// for the client, unread. An answer that is not JSON, or has no "ok" (the
// upload URL's plain text, say), counts as ok.
func slackError(resp *http.Response) (code string, ok bool) {
	if resp.Body == nil {
		return "", true
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "application/json" {
		return "", true
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSlackBody))
	rest := resp.Body
	resp.Body = readCloser{Reader: io.MultiReader(bytes.NewReader(body), rest), Closer: rest}
	if err != nil {
		return "", true // the client meets the same error reading on
	}
	var answer struct {
		OK    *bool  `json:"ok"`
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &answer) != nil || answer.OK == nil || *answer.OK {
		return "", true
	}
	return answer.Error, false
}

type readCloser struct {
	io.Reader
	io.Closer
}

// errorCodes keeps the error label's values few: Slack's error codes are
// short snake_case words from a finite list; anything else, and any code
// past the first maxErrorCodes seen, is counted as "other".
type errorCodes struct {
	mu   sync.Mutex
	seen map[string]bool
}

const maxErrorCodes = 64

func (e *errorCodes) label(code string) string {
	if code == "" || len(code) > 48 || strings.Trim(code, "abcdefghijklmnopqrstuvwxyz_") != "" {
		return "other"
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.seen == nil {
		e.seen = map[string]bool{}
	}
	if !e.seen[code] {
		if len(e.seen) >= maxErrorCodes {
			return "other"
		}
		e.seen[code] = true
	}
	return code
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
