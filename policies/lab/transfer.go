package lab

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// Result of one transfer.
type Result struct {
	Completed bool
	Bytes     int64
	Elapsed   time.Duration
}

// The transfer runs in the pods' namespaces by re-executing the test binary there, with
// the role in the environment (see RunRole); no external tools.
const roleEnv = "MTUGUARD_LAB_ROLE"

// RunRole runs the server or client role when the binary was started as one, and
// reports whether it did. Call it first thing in TestMain.
func RunRole() bool {
	switch os.Getenv(roleEnv) {
	case "server":
		serve(os.Getenv("LAB_ADDR"), atoi64(os.Getenv("LAB_BYTES")))
		return true
	case "client":
		stall, _ := time.ParseDuration(os.Getenv("LAB_STALL"))
		total, _ := time.ParseDuration(os.Getenv("LAB_TOTAL"))
		r := fetch(os.Getenv("LAB_ADDR"), atoi64(os.Getenv("LAB_BYTES")), stall, total)
		fmt.Printf("%v %d %d\n", r.Completed, r.Bytes, r.Elapsed.Milliseconds())
		return true
	}
	return false
}

// serve sends n bytes to one client, then exits.
func serve(addr string, n int64) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("ready")
	conn, err := ln.Accept()
	if err != nil {
		os.Exit(1)
	}
	buf := make([]byte, 64*1024)
	for sent := int64(0); sent < n; {
		k := min(int64(len(buf)), n-sent)
		w, err := conn.Write(buf[:k])
		if err != nil {
			os.Exit(0)
		}
		sent += int64(w)
	}
	conn.Close()
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
		conn.SetReadDeadline(time.Now().Add(stall))
		k, err := conn.Read(buf)
		got += int64(k)
		if err == io.EOF {
			break
		}
		if err != nil {
			return Result{Bytes: got, Elapsed: time.Since(start)}
		}
	}
	return Result{Completed: got >= n, Bytes: got, Elapsed: time.Since(start)}
}

// Transfer pushes n bytes from a server in pod B to a client in pod A.
func (l *Lab) Transfer(n int64, stall, total time.Duration) (Result, error) {
	self, err := os.Executable()
	if err != nil {
		return Result{}, err
	}
	addr := net.JoinHostPort(PodBAddr, "9000")
	env := func(role string) []string {
		return append(os.Environ(), roleEnv+"="+role, "LAB_ADDR="+addr, "LAB_BYTES="+strconv.FormatInt(n, 10),
			"LAB_STALL="+stall.String(), "LAB_TOTAL="+total.String())
	}
	server := exec.Command("ip", "netns", "exec", l.PodB, self, "-test.run=^$")
	server.Env = env("server")
	stdout, _ := server.StdoutPipe()
	if err := server.Start(); err != nil {
		return Result{}, err
	}
	defer func() { server.Process.Kill(); server.Wait() }()
	ready := make([]byte, 6)
	if _, err := io.ReadFull(stdout, ready); err != nil {
		return Result{}, fmt.Errorf("server did not start: %v", err)
	}
	client := exec.Command("ip", "netns", "exec", l.PodA, self, "-test.run=^$")
	client.Env = env("client")
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
