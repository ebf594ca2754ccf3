package providerconfig

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	kubefake "k8s.io/client-go/kubernetes/fake"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

// countingReader is the API reader, counting the reads that reach it.
type countingReader struct {
	client.Reader
	gets atomic.Int64
}

func (c *countingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	c.gets.Add(1)
	return c.Reader.Get(ctx, key, obj, opts...)
}

func credentials(ns, name, id string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Data: map[string][]byte{"accessKeyId": []byte(id), "accessKeySecret": []byte("s")}}
}

// eventually polls cond for up to five seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 5s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSecretWatchServesReadsFromTheWatchAndFollowsChanges(t *testing.T) {
	ctx := context.Background()
	cs := kubefake.NewClientset(credentials("team-a", "creds", "LTAIbefore"))
	fallback := &countingReader{Reader: clientFor(credentials("team-a", "creds", "LTAIbefore"))}
	w := NewSecretWatch(cs, fallback)
	t.Cleanup(w.Stop)
	key := types.NamespacedName{Namespace: "team-a", Name: "creds"}
	idOf := func() string {
		var s corev1.Secret
		if err := w.Get(ctx, key, &s); err != nil {
			return "error: " + err.Error()
		}
		return string(s.Data["accessKeyId"])
	}

	if got := idOf(); got != "LTAIbefore" {
		t.Fatalf("first read = %q, want LTAIbefore", got)
	}
	eventually(t, "the watch synced", func() bool { return w.watchOf(key).informer.HasSynced() })
	readsBefore := fallback.gets.Load()
	for range 100 {
		if got := idOf(); got != "LTAIbefore" {
			t.Fatalf("read = %q, want LTAIbefore", got)
		}
	}
	if n := fallback.gets.Load() - readsBefore; n != 0 {
		t.Errorf("100 reads after the watch synced reached the API server %d times, want 0", n)
	}

	// Rotated: the next reads see the new key without a restart.
	if _, err := cs.CoreV1().Secrets("team-a").Update(ctx, credentials("team-a", "creds", "LTAIafter"), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the rotated key read", func() bool { return idOf() == "LTAIafter" })

	// Deleted: NotFound, as the API reader would say.
	if err := cs.CoreV1().Secrets("team-a").Delete(ctx, "creds", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "NotFound after the delete", func() bool {
		return apierrors.IsNotFound(w.Get(ctx, key, &corev1.Secret{}))
	})
}

func TestSecretWatchReadsNothingButSecrets(t *testing.T) {
	w := NewSecretWatch(kubefake.NewClientset(), clientFor())
	t.Cleanup(w.Stop)
	if err := w.Get(context.Background(), types.NamespacedName{Name: "x"}, &corev1.ConfigMap{}); err == nil {
		t.Error("a ConfigMap read must be refused")
	}
	if err := w.List(context.Background(), &corev1.SecretList{}); err == nil {
		t.Error("List must be refused: credential Secrets are read by name")
	}
}

func TestSecretWatchDropsIdleWatchesAndStops(t *testing.T) {
	ctx := context.Background()
	cs := kubefake.NewClientset(credentials("a", "old", "1"), credentials("a", "new", "2"))
	fallback := &countingReader{Reader: clientFor(credentials("a", "old", "1"), credentials("a", "new", "2"))}
	now := time.Unix(1_800_000_000, 0)
	w := &SecretWatch{Clientset: cs, Fallback: fallback, IdleAfter: time.Hour, now: func() time.Time { return now }}
	t.Cleanup(w.Stop)
	old, fresh := types.NamespacedName{Namespace: "a", Name: "old"}, types.NamespacedName{Namespace: "a", Name: "new"}

	if err := w.Get(ctx, old, &corev1.Secret{}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(59 * time.Minute)
	if err := w.Get(ctx, fresh, &corev1.Secret{}); err != nil {
		t.Fatal(err)
	}
	if !w.watching(old) || !w.watching(fresh) {
		t.Fatal("both Secrets must be watched within the idle time")
	}
	// Reaping looks every quarter of IdleAfter: old is unread for 76
	// minutes, fresh for 17.
	now = now.Add(17 * time.Minute)
	if err := w.Get(ctx, fresh, &corev1.Secret{}); err != nil {
		t.Fatal(err)
	}
	if w.watching(old) {
		t.Error("a watch unread for more than IdleAfter must stop")
	}
	if !w.watching(fresh) {
		t.Error("a watch read within IdleAfter must stay")
	}

	w.Stop()
	before := fallback.gets.Load()
	var s corev1.Secret
	if err := w.Get(ctx, fresh, &s); err != nil || string(s.Data["accessKeyId"]) != "2" {
		t.Fatalf("a read after Stop = %q, %v; want the API reader's answer", s.Data["accessKeyId"], err)
	}
	if fallback.gets.Load() != before+1 || w.watching(fresh) {
		t.Error("after Stop, reads go to the API reader and start no watch")
	}
}

// clientFor is an API reader holding objs.
func clientFor(objs ...client.Object) client.Reader {
	return fake.NewClientBuilder().WithScheme(clientgoscheme.Scheme).WithObjects(objs...).Build()
}
