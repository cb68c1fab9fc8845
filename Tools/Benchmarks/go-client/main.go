// One client process of Tools/Benchmarks/go-client/run.py: reads events from
// http://127.0.0.1:PORT/ticks with github.com/donovanhide/eventsource (the package LaunchDarkly's
// eventsource was forked from, whose API swift-sse ports) until it has COUNT of them, then prints
// "done COUNT NANOSECONDS CPU_NANOSECONDS" like `sse-bench client-run`.
//
// Usage: goclient PORT COUNT
package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/donovanhide/eventsource"
)

// processCPU is the CPU time the process has spent so far, on all its threads.
func processCPU() int64 {
	var usage syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return usage.Utime.Nano() + usage.Stime.Nano()
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: goclient PORT COUNT")
		os.Exit(2)
	}
	port := os.Args[1]
	want, err := strconv.Atoi(os.Args[2])
	if err != nil || want < 1 {
		fmt.Fprintln(os.Stderr, "COUNT must be a positive number")
		os.Exit(2)
	}
	start := time.Now()
	cpuStart := processCPU()
	stream, err := eventsource.Subscribe("http://127.0.0.1:"+port+"/ticks", "")
	if err != nil {
		fmt.Println("failed", err)
		os.Exit(1)
	}
	count := 0
	for range stream.Events {
		count++
		if count == want {
			break
		}
	}
	fmt.Printf("done %d %d %d\n", count, time.Since(start).Nanoseconds(), processCPU()-cpuStart)
}
