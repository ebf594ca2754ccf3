package providerconfig

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// DefaultSecretWatchIdle is how long a credentials Secret's watch lives
// after its last read: a resync period and more, so a ProviderConfig in use
// keeps its watch, and one deleted or pointed elsewhere lets it go.
const DefaultSecretWatchIdle = time.Hour

// SecretWatch reads credential Secrets from one watch per Secret, by name.
//
// Every reconcile of every kind needs its ProviderConfig's credentials. Read
// from the API server each time, a fleet's reconciles are a quorum read of
// etcd apiece (two per Device rolled out, one per Device per resync). A
// watch of each Secret a ProviderConfig names (a field selector on its
// name, in its namespace) keeps them in memory and current within the
// watch's latency, so rotating the Secret still needs no restart, while
// Kiot neither lists nor holds any other Secret of the cluster.
//
// Until a Secret's watch has synced (its first read, or an API server that
// refuses the watch), reads go to Fallback, the manager's API reader.
type SecretWatch struct {
	Clientset kubernetes.Interface
	Fallback  client.Reader
	// IdleAfter stops a watch not read for this long (0: DefaultSecretWatchIdle).
	IdleAfter time.Duration

	now     func() time.Time
	mu      sync.Mutex
	watches map[types.NamespacedName]*secretWatch
	reaped  time.Time
	stopped bool
}

type secretWatch struct {
	informer toolscache.SharedIndexInformer
	stop     context.CancelFunc
	lastRead time.Time
}

// NewSecretWatch returns a SecretWatch of the clientset's cluster.
func NewSecretWatch(cs kubernetes.Interface, fallback client.Reader) *SecretWatch {
	return &SecretWatch{Clientset: cs, Fallback: fallback}
}

// Get reads the Secret key into obj, which must be a *corev1.Secret.
func (s *SecretWatch) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	secret, ok := obj.(*corev1.Secret)
	if !ok {
		return fmt.Errorf("SecretWatch reads Secrets only, not %T", obj)
	}
	w := s.watchOf(key)
	if w == nil || !w.informer.HasSynced() {
		return s.Fallback.Get(ctx, key, obj, opts...)
	}
	item, exists, err := w.informer.GetStore().GetByKey(key.Namespace + "/" + key.Name)
	if err != nil {
		return err
	}
	if !exists {
		return apierrors.NewNotFound(corev1.Resource("secrets"), key.Name)
	}
	item.(*corev1.Secret).DeepCopyInto(secret)
	return nil
}

// List is not offered: credential Secrets are read one by one, by name.
func (s *SecretWatch) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return fmt.Errorf("SecretWatch reads Secrets by name only")
}

// Start runs until ctx ends, then stops every watch: the manager runs it
// beside its cache, on every replica (a standby's reads are none).
func (s *SecretWatch) Start(ctx context.Context) error {
	<-ctx.Done()
	s.Stop()
	return nil
}

// NeedLeaderElection is false: it is a cache, not a writer.
func (s *SecretWatch) NeedLeaderElection() bool { return false }

// Stop ends every watch; later reads go to Fallback.
func (s *SecretWatch) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	for key, w := range s.watches {
		w.stop()
		delete(s.watches, key)
	}
}

// watching reports whether key has a watch.
func (s *SecretWatch) watching(key client.ObjectKey) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.watches[key]
	return ok
}

// watchOf returns key's watch, started on its first read (nil once
// stopped), and lets watches idle for IdleAfter go.
func (s *SecretWatch) watchOf(key types.NamespacedName) *secretWatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	now := s.clock()
	s.reapIdle(now)
	if w, ok := s.watches[key]; ok {
		w.lastRead = now
		return w
	}
	if s.watches == nil {
		s.watches = map[types.NamespacedName]*secretWatch{}
	}
	byName := fields.OneTermEqualSelector(metav1.ObjectNameField, key.Name).String()
	secrets := s.Clientset.CoreV1().Secrets(key.Namespace)
	lw := &toolscache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = byName
			return secrets.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = byName
			return secrets.Watch(ctx, o)
		},
	}
	// Streaming lists where the client has them (not a fake clientset).
	informer := toolscache.NewSharedIndexInformer(toolscache.ToListWatcherWithWatchListSemantics(lw, s.Clientset),
		&corev1.Secret{}, 0, toolscache.Indexers{})
	_ = informer.SetTransform(func(in any) (any, error) {
		if secret, ok := in.(*corev1.Secret); ok {
			secret.ManagedFields = nil
		}
		return in, nil
	})
	ctx, stop := context.WithCancel(context.Background())
	go informer.RunWithContext(ctx)
	w := &secretWatch{informer: informer, stop: stop, lastRead: now}
	s.watches[key] = w
	return w
}

// reapIdle stops the watches not read for IdleAfter, looking at most every
// quarter of it. Callers hold s.mu.
func (s *SecretWatch) reapIdle(now time.Time) {
	idle := s.IdleAfter
	if idle <= 0 {
		idle = DefaultSecretWatchIdle
	}
	if now.Sub(s.reaped) < idle/4 {
		return
	}
	s.reaped = now
	for key, w := range s.watches {
		if now.Sub(w.lastRead) >= idle {
			w.stop()
			delete(s.watches, key)
		}
	}
}

func (s *SecretWatch) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}
