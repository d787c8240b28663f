package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
)

// Topology is a small private Redis set-up of real redis-server processes
// on loopback, for failover tests: either a master with one replica watched
// by one Sentinel, or a 3-master cluster with a replica per master. Tests
// using one are serialised across packages by a file lock, because they use
// fixed ports (7201-7203 and 26381, 26390-26392). They run only when
// GRIDBOT_TEST_FAILOVER=1 (they start six servers and kill them, which would
// upset the timing of tests running beside them; .ci/run gives them a step
// of their own) and redis-server is installed; otherwise they skip.
type Topology struct {
	// SentinelMaster and SentinelAddrs are set for a Sentinel topology.
	SentinelMaster string
	SentinelAddrs  []string
	// Master and Replica are the addresses of the Sentinel topology's
	// master and replica at the start.
	Master, Replica string
	// ClusterAddrs is set for a cluster topology.
	ClusterAddrs []string

	tb    testing.TB
	dir   string
	procs map[int]*exec.Cmd
}

const (
	masterPort   = 7201
	replicaPort  = 7202
	sentinelPort = 26381
)

var clusterPorts = []int{7201, 7202, 7203, 26390, 26391, 26392}

func addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

func newTopology(tb testing.TB, ports []int) *Topology {
	tb.Helper()
	if os.Getenv("GRIDBOT_TEST_FAILOVER") != "1" {
		tb.Skip("set GRIDBOT_TEST_FAILOVER=1 to run failover tests (they start and kill redis-server processes)")
	}
	if testing.Short() {
		tb.Skip("starts redis-server processes")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		tb.Skip("redis-server is not installed")
	}
	if _, err := exec.LookPath("redis-cli"); err != nil {
		tb.Skip("redis-cli is not installed")
	}
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "gridbot-failover.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		tb.Fatal(err)
	}
	redis.SetLogger(quiet{})
	t := &Topology{tb: tb, dir: tb.TempDir(), procs: map[int]*exec.Cmd{}}
	tb.Cleanup(func() {
		for _, c := range t.procs {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
		_ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
		_ = lock.Close()
	})
	for _, p := range ports {
		if c, err := net.DialTimeout("tcp", addr(p), 200*time.Millisecond); err == nil {
			_ = c.Close()
			tb.Skipf("port %d is in use; the failover test needs it", p)
		}
	}
	return t
}

func (t *Topology) start(port int, args ...string) {
	t.tb.Helper()
	d := filepath.Join(t.dir, strconv.Itoa(port))
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.tb.Fatal(err)
	}
	base := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", d}
	cmd := exec.Command("redis-server", append(args, base...)...)
	logf, err := os.Create(filepath.Join(d, "log"))
	if err != nil {
		t.tb.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.tb.Fatal(err)
	}
	t.procs[port] = cmd
	t.until(fmt.Sprintf("redis on %d answers (log: %s)", port, logf.Name()), 30*time.Second, func(c *redis.Client) bool {
		return c.Ping(context.Background()).Err() == nil
	}, port)
}

// quiet drops go-redis's own log lines (a dead node is dialled again and
// again during a failover, on purpose).
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// until polls cond on a client of port until it holds or timeout passes.
func (t *Topology) until(what string, timeout time.Duration, cond func(*redis.Client) bool, port int) {
	t.tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr(port), DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	for end := time.Now().Add(timeout); ; {
		if cond(c) {
			return
		}
		if time.Now().After(end) {
			t.tb.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func infoHas(c *redis.Client, section, want string) bool {
	s, err := c.Info(context.Background(), section).Result()
	return err == nil && strings.Contains(s, want)
}

// StartSentinel starts a master (7201), its replica (7202) and one
// Sentinel (26381, quorum 1, down after 1 s) watching them as "gbmaster".
func StartSentinel(tb testing.TB) *Topology {
	tb.Helper()
	t := newTopology(tb, []int{masterPort, replicaPort, sentinelPort})
	t.start(masterPort)
	t.start(replicaPort, "--replicaof", "127.0.0.1", strconv.Itoa(masterPort))
	t.until("the replica is in sync", 10*time.Second, func(c *redis.Client) bool {
		return infoHas(c, "replication", "master_link_status:up")
	}, replicaPort)
	conf := filepath.Join(t.dir, "sentinel.conf")
	body := fmt.Sprintf("sentinel monitor gbmaster 127.0.0.1 %d 1\nsentinel down-after-milliseconds gbmaster 1000\n"+
		"sentinel failover-timeout gbmaster 5000\nsentinel parallel-syncs gbmaster 1\n", masterPort)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		tb.Fatal(err)
	}
	t.start(sentinelPort, conf, "--sentinel")
	t.until("the Sentinel sees the replica", 10*time.Second, func(c *redis.Client) bool {
		r, err := c.Do(context.Background(), "SENTINEL", "REPLICAS", "gbmaster").Slice()
		return err == nil && len(r) == 1
	}, sentinelPort)
	t.SentinelMaster, t.SentinelAddrs = "gbmaster", []string{addr(sentinelPort)}
	t.Master, t.Replica = addr(masterPort), addr(replicaPort)
	return t
}

// StartCluster starts a Redis Cluster of three masters (7201-7203) with a
// replica each (26390-26392), node timeout 1 s.
func StartCluster(tb testing.TB) *Topology {
	tb.Helper()
	t := newTopology(tb, clusterPorts)
	var addrs []string
	for _, p := range clusterPorts {
		t.start(p, "--cluster-enabled", "yes", "--cluster-node-timeout", "1000",
			"--cluster-config-file", filepath.Join(t.dir, strconv.Itoa(p), "nodes.conf"))
		addrs = append(addrs, addr(p))
	}
	out, err := exec.Command("redis-cli", append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "1", "--cluster-yes")...).CombinedOutput()
	if err != nil {
		tb.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, p := range clusterPorts {
		t.until("the cluster is ok", 20*time.Second, func(c *redis.Client) bool {
			return clusterOK(c)
		}, p)
	}
	for _, p := range clusterPorts {
		t.until("every replica is in sync", 20*time.Second, func(c *redis.Client) bool {
			return infoHas(c, "replication", "role:master") || infoHas(c, "replication", "master_link_status:up")
		}, p)
	}
	t.ClusterAddrs = addrs[:3]
	return t
}

func clusterOK(c *redis.Client) bool {
	s, err := c.ClusterInfo(context.Background()).Result()
	return err == nil && strings.Contains(s, "cluster_state:ok")
}

// KillMasterOf kills -9 the master serving key (the one master of a
// Sentinel topology) and returns its address.
func (t *Topology) KillMasterOf(key string) string {
	t.tb.Helper()
	port := masterPort
	if t.ClusterAddrs != nil {
		port = t.masterPortOf(bot.Slot(key))
	}
	c, ok := t.procs[port]
	if !ok {
		t.tb.Fatalf("no process on port %d", port)
	}
	if err := c.Process.Signal(syscall.SIGKILL); err != nil {
		t.tb.Fatal(err)
	}
	_ = c.Wait()
	delete(t.procs, port)
	return addr(port)
}

func (t *Topology) masterPortOf(slot int) int {
	t.tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: t.ClusterAddrs[0]})
	defer c.Close()
	slots, err := c.ClusterSlots(context.Background()).Result()
	if err != nil {
		t.tb.Fatal(err)
	}
	for _, s := range slots {
		if slot >= s.Start && slot <= s.End && len(s.Nodes) > 0 {
			_, p, _ := net.SplitHostPort(s.Nodes[0].Addr)
			n, _ := strconv.Atoi(p)
			return n
		}
	}
	t.tb.Fatalf("no master serves slot %d", slot)
	return 0
}

// Pause stops the server at address a (SIGSTOP), so it neither answers nor
// replicates; Resume lets it go on.
func (t *Topology) Pause(a string) { t.signal(a, syscall.SIGSTOP) }

// Resume continues a server Pause stopped.
func (t *Topology) Resume(a string) { t.signal(a, syscall.SIGCONT) }

func (t *Topology) signal(a string, sig syscall.Signal) {
	t.tb.Helper()
	_, p, _ := net.SplitHostPort(a)
	port, _ := strconv.Atoi(p)
	c, ok := t.procs[port]
	if !ok {
		t.tb.Fatalf("no process on %s", a)
	}
	if err := c.Process.Signal(sig); err != nil {
		t.tb.Fatal(err)
	}
}
