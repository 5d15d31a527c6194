// Command firstframe times the terminal UI's first frame as a whole
// process in tmux: from asking tmux for a new 160x48 window running a
// command to the first output of that command that draws the board's
// selected card (its gutter, "┃"). It watches the output through a tmux
// control-mode client, which hears every byte a pane writes as it is
// written, so nothing is polled. The commands run in turn, RUNS rounds,
// and each gets its median, mean, range and the process's peak resident
// memory at that frame.
//
//	go build -o /tmp/ff ./scripts/firstframe
//	/tmp/ff -runs 20 "/tmp/ff -empty" "fieldcrm --db big.db"
//
// With -empty it is itself the reference: an empty Bubble Tea v2 program
// that draws one line with the same mark.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
)

const mark = "┃"

type empty struct{}

func (empty) Init() tea.Cmd                         { return nil }
func (e empty) Update(tea.Msg) (tea.Model, tea.Cmd) { return e, nil }
func (empty) View() tea.View                        { return tea.NewView(mark + " ready") }

func main() {
	runs := flag.Int("runs", 10, "rounds of every command")
	emptyProg := flag.Bool("empty", false, "be the empty Bubble Tea program")
	flag.Parse()
	if *emptyProg {
		tea.NewProgram(empty{}).Run()
		return
	}
	if err := run(*runs, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "firstframe:", err)
		os.Exit(1)
	}
}

// tmux is one private tmux server and a control-mode client on it, whose
// lines arrive on out.
type tmux struct {
	sock string
	in   io.WriteCloser
	out  chan []byte
	// firstOut is when the command first wrote (Bubble Tea starting);
	// started collects the time to it, run after run.
	firstOut time.Time
	started  []time.Duration
}

func start() (*tmux, error) {
	t := &tmux{sock: fmt.Sprintf("firstframe-%d", os.Getpid())}
	if err := exec.Command("tmux", "-L", t.sock, "new-session", "-d", "-s", "idle", "-x", "160", "-y", "48").Run(); err != nil {
		return nil, fmt.Errorf("start tmux: %w", err)
	}
	c := exec.Command("tmux", "-L", t.sock, "-C", "attach", "-t", "idle")
	var err error
	if t.in, err = c.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := c.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, err
	}
	t.out = make(chan []byte, 1024)
	go func() {
		r := bufio.NewReaderSize(stdout, 1<<20)
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				close(t.out)
				return
			}
			t.out <- line
		}
	}()
	return t, nil
}

// stop kills the tmux server and removes its socket, which tmux 3.3
// leaves behind: $TMUX_TMPDIR, or /tmp, then tmux-UID (tmux(1), -L).
func (t *tmux) stop() {
	exec.Command("tmux", "-L", t.sock, "kill-server").Run()
	dir := os.Getenv("TMUX_TMPDIR")
	if dir == "" {
		dir = "/tmp"
	}
	os.Remove(filepath.Join(dir, fmt.Sprintf("tmux-%d", os.Getuid()), t.sock))
}

// frame starts cmd in a new window and returns the time to its first
// output holding mark, and the peak resident memory then.
func (t *tmux) frame(cmd string) (time.Duration, int, error) {
	began := time.Now()
	t.firstOut = time.Time{}
	fmt.Fprintf(t.in, "new-window -d -P -F 'PANE #{pane_id} #{pane_pid} #{window_id}' %q\n", cmd)
	pane, pid, window := "", 0, ""
	timeout := time.After(20 * time.Second)
	for {
		var line []byte
		select {
		case l, ok := <-t.out:
			if !ok {
				return 0, 0, fmt.Errorf("tmux went away")
			}
			line = l
		case <-timeout:
			return 0, 0, fmt.Errorf("no frame from %s in 20 s", cmd)
		}
		if f := strings.Fields(string(line)); pane == "" && len(f) == 4 && f[0] == "PANE" {
			pane, window = f[1], f[3]
			pid, _ = strconv.Atoi(f[2])
			continue
		}
		if f := strings.Fields(string(line)); window != "" && len(f) == 2 && f[1] == window &&
			(f[0] == "%window-close" || f[0] == "%unlinked-window-close") {
			return 0, 0, fmt.Errorf("%s ended before drawing the board", cmd)
		}
		if pane == "" || !bytes.HasPrefix(line, []byte("%output "+pane+" ")) {
			continue
		}
		if t.firstOut.IsZero() {
			t.firstOut = time.Now()
		}
		if !bytes.Contains(line, []byte(mark)) {
			continue
		}
		took := time.Since(began)
		rss := peakRSS(pid)
		fmt.Fprintf(t.in, "kill-window -t %s\n", pane)
		t.started = append(t.started, t.firstOut.Sub(began))
		return took, rss, nil
	}
}

// peakRSS is VmHWM in KiB of pid or, when pid is the shell tmux started,
// of its child.
func peakRSS(pid int) int {
	if kids, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", strconv.Itoa(pid), "children")); err == nil {
		if f := strings.Fields(string(kids)); len(f) > 0 {
			pid, _ = strconv.Atoi(f[0])
		}
	}
	b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

func run(runs int, cmds []string) error {
	if len(cmds) == 0 {
		return fmt.Errorf("name the commands to time")
	}
	t, err := start()
	if err != nil {
		return err
	}
	defer t.stop()
	times := make([][]time.Duration, len(cmds))
	starts := make([][]time.Duration, len(cmds))
	rss := make([]int, len(cmds))
	for r := -1; r < runs; r++ { // round -1 warms the page cache
		for i, c := range cmds {
			d, kb, err := t.frame(c)
			if err != nil {
				return err
			}
			if r >= 0 {
				starts[i] = append(starts[i], t.started[len(t.started)-1])
				times[i] = append(times[i], d)
				rss[i] = max(rss[i], kb)
			}
		}
	}
	for i, c := range cmds {
		ts := times[i]
		slices.Sort(ts)
		var sum time.Duration
		for _, d := range ts {
			sum += d
		}
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		slices.Sort(starts[i])
		fmt.Printf("%-50s median %5.1f ms  mean %5.1f  min %5.1f  max %5.1f  peak RSS %d KiB  (%d runs; first output after %.1f ms, median)\n",
			c, ms(ts[len(ts)/2]), ms(sum/time.Duration(len(ts))), ms(ts[0]), ms(ts[len(ts)-1]), rss[i], len(ts), ms(starts[i][len(ts)/2]))
	}
	return nil
}
