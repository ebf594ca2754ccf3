package device

import (
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kiot-dev/kiot/internal/kindtest"
)

func platformError(t *testing.T, code string) error { return kindtest.PlatformError(t, code) }

func kube(t *testing.T, objs ...client.Object) client.Reader { return kindtest.Kube(t, objs...) }
