package main

import (
	"context"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/hack/testbed"
	"github.com/kiot-dev/kiot/internal/device"
)

// tracker watches the namespace's Devices and Secrets (one watch each, not
// polling: listing ten thousand objects every second would load the API
// server being measured) and records when each Device first became Ready
// with its Secret, when it first reported the resync token handled, and
// whether it still exists.
type tracker struct {
	mu       sync.Mutex
	ready    map[string]bool
	secret   map[string]bool
	complete map[string]time.Time
	token    string
	handled  map[string]time.Time
	present  map[string]bool
	// lastComplete, lastHandled and lastGone are when the last Device
	// reached the state: the phase's end once every Device has.
	lastComplete, lastHandled, lastGone time.Time
}

func startTracker(ctx context.Context, cfg *rest.Config) (*tracker, error) {
	t := &tracker{ready: map[string]bool{}, secret: map[string]bool{}, complete: map[string]time.Time{},
		handled: map[string]time.Time{}, present: map[string]bool{}}
	c, err := cache.New(cfg, cache.Options{Scheme: testbed.Scheme, DefaultNamespaces: map[string]cache.Config{namespace: {}}})
	if err != nil {
		return nil, err
	}
	devices, err := c.GetInformer(ctx, &iotv1.Device{})
	if err != nil {
		return nil, err
	}
	if _, err := devices.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { t.device(o) },
		UpdateFunc: func(_, o any) { t.device(o) },
		DeleteFunc: func(o any) { t.deviceGone(o) },
	}); err != nil {
		return nil, err
	}
	secrets, err := c.GetInformer(ctx, &corev1.Secret{})
	if err != nil {
		return nil, err
	}
	if _, err := secrets.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { t.secretSeen(o) },
		UpdateFunc: func(_, o any) { t.secretSeen(o) },
	}); err != nil {
		return nil, err
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		return nil, ctx.Err()
	}
	return t, nil
}

func (t *tracker) device(o any) {
	d, ok := o.(*iotv1.Device)
	if !ok {
		return
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.present[d.Name] = true
	if testbed.IsReady(d.Status.Conditions) {
		t.ready[d.Name] = true
		t.completeIf(d.Name, now)
	}
	if t.token != "" && d.Status.LastHandledReconcileAt == t.token {
		if _, seen := t.handled[d.Name]; !seen {
			t.handled[d.Name] = now
			t.lastHandled = now
		}
	}
}

func (t *tracker) deviceGone(o any) {
	if tomb, ok := o.(toolscache.DeletedFinalStateUnknown); ok {
		o = tomb.Obj
	}
	if d, ok := o.(*iotv1.Device); ok {
		t.mu.Lock()
		delete(t.present, d.Name)
		t.lastGone = time.Now()
		t.mu.Unlock()
	}
}

// secretSeen records a <name>-device Secret that holds a deviceSecret.
func (t *tracker) secretSeen(o any) {
	s, ok := o.(*corev1.Secret)
	if !ok || len(s.Data[device.SecretKeyDeviceSecret]) == 0 {
		return
	}
	name, ok := strings.CutSuffix(s.Name, "-device")
	if !ok {
		return
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.secret[name] = true
	t.completeIf(name, now)
}

func (t *tracker) completeIf(name string, now time.Time) {
	if _, done := t.complete[name]; done || !t.ready[name] || !t.secret[name] {
		return
	}
	t.complete[name] = now
	t.lastComplete = now
}

// progress of the rollout: Devices Ready, Secrets written, both.
func (t *tracker) rollout() (ready, secrets, complete int, last time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.ready), len(t.secret), len(t.complete), t.lastComplete
}

// completedAt is when the Device was first Ready with its Secret.
func (t *tracker) completedAt(name string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	at, ok := t.complete[name]
	return at, ok
}

// expect starts a resync sweep: from now on a Device counts as handled
// when its status reports token.
func (t *tracker) expect(token string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.token, t.handled, t.lastHandled = token, map[string]time.Time{}, time.Time{}
}

func (t *tracker) sweep() (handled int, last time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.handled), t.lastHandled
}

func (t *tracker) remaining() (int, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.present), t.lastGone
}
