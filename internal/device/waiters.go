package device

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"

	"github.com/kiot-dev/kiot/internal/fleet"
)

// Waiters knows which Devices wait for the registration of which name, so
// the Registrar's notice that a result is in wakes exactly them. A Device
// whose wake is lost (the controller not started yet) still looks again
// after RegisteringRetry.
type Waiters struct {
	mu      sync.Mutex
	waiting map[waitingFor]map[types.NamespacedName]struct{}
	wake    func(types.NamespacedName)
}

type waitingFor struct {
	key        fleet.Key
	deviceName string
}

// NewWaiters returns an empty registry; SetWake says how to wake a Device.
func NewWaiters() *Waiters {
	return &Waiters{waiting: map[waitingFor]map[types.NamespacedName]struct{}{}}
}

// SetWake sets how a Device is woken (the controller adds it to its queue).
func (w *Waiters) SetWake(wake func(types.NamespacedName)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.wake = wake
}

// Await records that who waits for deviceName's registration in key.
func (w *Waiters) Await(key fleet.Key, deviceName string, who types.NamespacedName) {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := waitingFor{key, deviceName}
	if w.waiting[k] == nil {
		w.waiting[k] = map[types.NamespacedName]struct{}{}
	}
	w.waiting[k][who] = struct{}{}
}

// Cancel drops who's wait (it acted on a final result).
func (w *Waiters) Cancel(key fleet.Key, deviceName string, who types.NamespacedName) {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := waitingFor{key, deviceName}
	delete(w.waiting[k], who)
	if len(w.waiting[k]) == 0 {
		delete(w.waiting, k)
	}
}

// Wake wakes the Devices waiting for deviceName in key: the Registrar's
// Notify. It never blocks.
func (w *Waiters) Wake(key fleet.Key, deviceName string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.wake == nil {
		return
	}
	k := waitingFor{key, deviceName}
	for who := range w.waiting[k] {
		w.wake(who)
	}
	delete(w.waiting, k)
}
