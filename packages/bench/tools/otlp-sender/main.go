// otlp-sender: a small, fast OTLP/gRPC load generator for the trace benchmark (packages/bench
// trace-bench.ts). It sends pre-encoded ExportTraceServiceRequest messages, written by the benchmark
// into a template file, at a target span rate, as many sidecars' Envoys would: it encodes nothing,
// so its own CPU stays small next to the collectors'. Each pass over the template gets fresh trace
// ids (the pass number is XORed into the low 8 bytes of every trace id), so the spans of one trace,
// spread over several requests of one pass, keep one id.
//
// Template file (little-endian): u32 request count, then per request: u32 spans, u32 n, n x u32 byte
// offsets of the 16-byte trace ids in the message, u32 length, the message.
//
// It prints one JSON object with what it sent and what the receiver answered.
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

const method = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

type request struct {
	spans   int
	offsets []uint32
	body    []byte
}

// rawCodec passes pre-encoded protobuf bytes through unchanged. Named "proto" so the request carries
// the content type every gRPC server expects (application/grpc+proto).
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = append((*(v.(*[]byte)))[:0], data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

func readTemplate(path string) ([]request, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	at := 0
	u32 := func() (uint32, error) {
		if at+4 > len(data) {
			return 0, errors.New("template truncated")
		}
		v := binary.LittleEndian.Uint32(data[at:])
		at += 4
		return v, nil
	}
	n, err := u32()
	if err != nil {
		return nil, err
	}
	out := make([]request, 0, n)
	for i := uint32(0); i < n; i++ {
		spans, err := u32()
		if err != nil {
			return nil, err
		}
		k, err := u32()
		if err != nil {
			return nil, err
		}
		offs := make([]uint32, k)
		for j := range offs {
			if offs[j], err = u32(); err != nil {
				return nil, err
			}
		}
		l, err := u32()
		if err != nil {
			return nil, err
		}
		if at+int(l) > len(data) {
			return nil, errors.New("template truncated")
		}
		for _, o := range offs {
			if int(o)+16 > int(l) {
				return nil, fmt.Errorf("request %d: trace id offset %d outside the message", i, o)
			}
		}
		out = append(out, request{spans: int(spans), offsets: offs, body: data[at : at+int(l)]})
		at += int(l)
	}
	if len(out) == 0 {
		return nil, errors.New("template has no requests")
	}
	return out, nil
}

// rejectedSpans reads ExportTraceServiceResponse.partial_success(1).rejected_spans(1).
func rejectedSpans(resp []byte) int64 {
	var rejected int64
	walk(resp, func(field int, wire int, v uint64, b []byte) {
		if field == 1 && wire == 2 {
			walk(b, func(f int, w int, v uint64, _ []byte) {
				if f == 1 && w == 0 {
					rejected = int64(v)
				}
			})
		}
	})
	return rejected
}

func walk(b []byte, visit func(field, wire int, v uint64, body []byte)) {
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 {
			return
		}
		b = b[n:]
		field, wire := int(tag>>3), int(tag&7)
		switch wire {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return
			}
			visit(field, wire, v, nil)
			b = b[n:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || int(l) > len(b)-n {
				return
			}
			visit(field, wire, 0, b[n:n+int(l)])
			b = b[n+int(l):]
		case 1:
			if len(b) < 8 {
				return
			}
			b = b[8:]
		case 5:
			if len(b) < 4 {
				return
			}
			b = b[4:]
		default:
			return
		}
	}
}

type result struct {
	TargetSpansPerSecond float64        `json:"targetSpansPerSecond"`
	Seconds              float64        `json:"seconds"`
	Requests             int64          `json:"requests"`
	Spans                int64          `json:"spans"`
	FailedRequests       int64          `json:"failedRequests"`
	FailedSpans          int64          `json:"failedSpans"`
	RejectedSpans        int64          `json:"rejectedSpans"`
	Errors               map[string]int `json:"errors"`
	LatencyP50Ms         float64        `json:"latencyP50Ms"`
	LatencyP99Ms         float64        `json:"latencyP99Ms"`
	LatencyMaxMs         float64        `json:"latencyMaxMs"`
	// How far behind its schedule a request was sent at most: the sender or the receiver could not keep up.
	LagMs float64 `json:"lagMs"`
	// The sender's own CPU (user + system) over its whole run.
	CPUSeconds float64 `json:"cpuSeconds"`
	// Ended early by SIGTERM.
	Interrupted bool `json:"interrupted"`
}

func main() {
	endpoint := flag.String("endpoint", "127.0.0.1:4317", "OTLP/gRPC endpoint")
	template := flag.String("template", "", "template file of pre-encoded requests")
	rate := flag.Float64("rate", 10000, "spans per second")
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	conns := flag.Int("conns", 8, "gRPC connections (one per simulated sidecar group)")
	workers := flag.Int("workers", 64, "requests in flight at most")
	timeout := flag.Duration("timeout", 10*time.Second, "deadline of one request")
	limit := flag.Int64("requests", 0, "stop after this many requests (0: when the duration is over)")
	flag.Parse()

	reqs, err := readTemplate(*template)
	if err != nil {
		fmt.Fprintln(os.Stderr, "otlp-sender:", err)
		os.Exit(2)
	}
	spansPerPass := 0
	for _, r := range reqs {
		spansPerPass += r.spans
	}
	interval := time.Duration(float64(time.Second) * float64(spansPerPass) / float64(len(reqs)) / *rate)

	clients := make([]*grpc.ClientConn, *conns)
	for i := range clients {
		c, err := grpc.NewClient(*endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{}), grpc.MaxCallSendMsgSize(64<<20)))
		if err != nil {
			fmt.Fprintln(os.Stderr, "otlp-sender:", err)
			os.Exit(2)
		}
		defer c.Close()
		clients[i] = c
	}

	// SIGTERM ends the run early (in-flight requests are cancelled) and still prints what was sent.
	root, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var interrupted atomic.Bool
	var next atomic.Int64
	var res result
	var mu sync.Mutex
	res.Errors = map[string]int{}
	latencies := make([][]float64, *workers)
	lag := make([]time.Duration, *workers)
	start := time.Now().Add(50 * time.Millisecond)
	end := start.Add(*duration)
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			buf := make([]byte, 0, 1<<16)
			var resp []byte
			for {
				k := next.Add(1) - 1
				at := start.Add(time.Duration(k) * interval)
				if !at.Before(end) || (*limit > 0 && k >= *limit) {
					return
				}
				if d := time.Until(at); d > 0 {
					select {
					case <-time.After(d):
					case <-root.Done():
						interrupted.Store(true)
						return
					}
				} else if -d > lag[w] {
					lag[w] = -d
				}
				if root.Err() != nil {
					interrupted.Store(true)
					return
				}
				r := reqs[k%int64(len(reqs))]
				pass := uint64(k/int64(len(reqs))) + 1
				buf = append(buf[:0], r.body...)
				for _, o := range r.offsets {
					low := buf[o+8 : o+16]
					binary.BigEndian.PutUint64(low, binary.BigEndian.Uint64(low)^pass)
				}
				ctx, cancel := context.WithTimeout(root, *timeout)
				t0 := time.Now()
				err := clients[w%len(clients)].Invoke(ctx, method, &buf, &resp)
				latencies[w] = append(latencies[w], float64(time.Since(t0).Microseconds())/1000)
				cancel()
				mu.Lock()
				res.Requests++
				res.Spans += int64(r.spans)
				if err != nil {
					res.FailedRequests++
					res.FailedSpans += int64(r.spans)
					res.Errors[status.Code(err).String()]++
				} else {
					res.RejectedSpans += rejectedSpans(resp)
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	res.TargetSpansPerSecond = *rate
	res.Interrupted = interrupted.Load()
	res.Seconds = time.Since(start).Seconds()
	var all []float64
	for _, l := range latencies {
		all = append(all, l...)
	}
	sort.Float64s(all)
	if len(all) > 0 {
		res.LatencyP50Ms = all[len(all)/2]
		res.LatencyP99Ms = all[len(all)*99/100]
		res.LatencyMaxMs = all[len(all)-1]
	}
	for _, l := range lag {
		if ms := float64(l.Microseconds()) / 1000; ms > res.LagMs {
			res.LagMs = ms
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		res.CPUSeconds = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
}
