package lab

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// Result of one transfer.
type Result struct {
	Completed bool
	Bytes     int64
	Elapsed   time.Duration // to completion, or until the stall was declared
	HopDrops  int           // packets the dropping hop discarded meanwhile (set by the caller)
}

// The transfer runs in the pods' namespaces (and the userspace Geneve endpoint in the
// nodes') by re-executing the test binary there, with the role in the environment; no
// external tools.
const roleEnv = "MTUGUARD_LAB_ROLE"

// RunRole runs a lab role when the binary was started as one, and reports whether it
// did. Call it first thing in TestMain.
func RunRole() bool {
	var err error
	switch os.Getenv(roleEnv) {
	case "server":
		err = serve(os.Getenv("LAB_ADDR"), atoi64(os.Getenv("LAB_BYTES")))
	case "client":
		stall, _ := time.ParseDuration(os.Getenv("LAB_STALL"))
		total, _ := time.ParseDuration(os.Getenv("LAB_TOTAL"))
		r := fetch(os.Getenv("LAB_ADDR"), atoi64(os.Getenv("LAB_BYTES")), stall, total)
		fmt.Printf("%v %d %d\n", r.Completed, r.Bytes, r.Elapsed.Milliseconds())
	case "geneve":
		err = runGeneve(os.Getenv("LAB_DEV"), os.Getenv("LAB_REMOTE"))
	default:
		return false
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return true
}

// serve sends n bytes to one client, then exits.
func serve(addr string, n int64) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Println("ready")
	conn, err := ln.Accept()
	if err != nil {
		return err
	}
	buf := make([]byte, 64*1024)
	for sent := int64(0); sent < n; {
		w, err := conn.Write(buf[:min(int64(len(buf)), n-sent)])
		if err != nil {
			return nil // the client gave up on a stall
		}
		sent += int64(w)
	}
	return conn.Close()
}

// fetch reads until n bytes arrived, stall passes without progress, or total elapses.
func fetch(addr string, n int64, stall, total time.Duration) Result {
	start := time.Now()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return Result{Elapsed: time.Since(start)}
	}
	defer conn.Close()
	buf := make([]byte, 64*1024)
	var got int64
	for got < n && time.Since(start) < total {
		conn.SetReadDeadline(time.Now().Add(min(stall, total-time.Since(start))))
		k, err := conn.Read(buf)
		got += int64(k)
		if err != nil {
			break
		}
	}
	return Result{Completed: got >= n, Bytes: got, Elapsed: time.Since(start)}
}

// Transfer pushes n bytes from a server in pod B to a client in pod A. It stalls when
// no byte arrives for stall, and gives up after total.
func (l *Lab) Transfer(n int64, stall, total time.Duration) (Result, error) {
	// A fresh port each time: a stalled transfer's sockets may linger on the old one.
	l.port++
	addr := net.JoinHostPort(PodBAddr, strconv.Itoa(l.port))
	env := []string{"LAB_ADDR=" + addr, "LAB_BYTES=" + strconv.FormatInt(n, 10), "LAB_STALL=" + stall.String(), "LAB_TOTAL=" + total.String()}
	server, _, err := l.spawn(l.PodB, "server", env...)
	if err != nil {
		return Result{}, err
	}
	defer func() { server.Process.Kill(); server.Wait() }()
	client, err := l.command(l.PodA, "client", env...)
	if err != nil {
		return Result{}, err
	}
	out, err := client.Output()
	if err != nil {
		return Result{}, fmt.Errorf("client: %v", err)
	}
	var r Result
	var ms int64
	if _, err := fmt.Sscanf(string(out), "%t %d %d", &r.Completed, &r.Bytes, &ms); err != nil {
		return Result{}, fmt.Errorf("client said %q: %v", out, err)
	}
	r.Elapsed = time.Duration(ms) * time.Millisecond
	return r, nil
}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
