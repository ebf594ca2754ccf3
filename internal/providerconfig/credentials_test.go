package providerconfig

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
)

func secretPC(ns, name string) *iotv1.ProviderConfig {
	return &iotv1.ProviderConfig{Spec: iotv1.ProviderConfigSpec{
		Region:      "cn-shanghai",
		Credentials: iotv1.ProviderCredentials{Source: iotv1.CredentialsSourceSecret, SecretRef: &iotv1.SecretReference{Namespace: ns, Name: name}},
	}}
}

func envPC() *iotv1.ProviderConfig {
	return &iotv1.ProviderConfig{Spec: iotv1.ProviderConfigSpec{
		Region:      "cn-shanghai",
		Credentials: iotv1.ProviderCredentials{Source: iotv1.CredentialsSourceEnvironment},
	}}
}

func credSecret(data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "kiot-system", Name: "aliyun"}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func envOf(vars map[string]string) Getenv { return func(k string) string { return vars[k] } }

func TestLoadCredentials(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name        string
		pc          *iotv1.ProviderConfig
		secret      *corev1.Secret
		env         map[string]string
		want        aliyun.Credentials
		wantReason  string
		wantMessage []string
	}{{
		name:   "secret with all keys",
		pc:     secretPC("kiot-system", "aliyun"),
		secret: credSecret(map[string]string{"accessKeyId": "LTAIid", "accessKeySecret": "s3cr3t", "securityToken": "tok"}),
		want:   aliyun.Credentials{AccessKeyID: "LTAIid", AccessKeySecret: "s3cr3t", SecurityToken: "tok"},
	}, {
		name:   "secret values are trimmed of the newline kubectl create secret --from-file keeps",
		pc:     secretPC("kiot-system", "aliyun"),
		secret: credSecret(map[string]string{"accessKeyId": "LTAIid\n", "accessKeySecret": "s3cr3t\n"}),
		want:   aliyun.Credentials{AccessKeyID: "LTAIid", AccessKeySecret: "s3cr3t"},
	}, {
		name:        "secret missing",
		pc:          secretPC("kiot-system", "absent"),
		wantReason:  iotv1.ReasonSecretNotFound,
		wantMessage: []string{"kiot-system/absent", "accessKeyId", "accessKeySecret"},
	}, {
		name:        "secret lacks the secret key",
		pc:          secretPC("kiot-system", "aliyun"),
		secret:      credSecret(map[string]string{"accessKeyId": "LTAIid"}),
		wantReason:  iotv1.ReasonSecretKeyMissing,
		wantMessage: []string{"kiot-system/aliyun", "accessKeySecret"},
	}, {
		name:        "secret lacks both keys",
		pc:          secretPC("kiot-system", "aliyun"),
		secret:      credSecret(map[string]string{"securityToken": "tok"}),
		wantReason:  iotv1.ReasonSecretKeyMissing,
		wantMessage: []string{"accessKeyId and accessKeySecret"},
	}, {
		name: "environment",
		pc:   envPC(),
		env:  map[string]string{iotv1.EnvAccessKeyID: "LTAIenv", iotv1.EnvAccessKeySecret: "envsecret", iotv1.EnvSecurityToken: "envtok"},
		want: aliyun.Credentials{AccessKeyID: "LTAIenv", AccessKeySecret: "envsecret", SecurityToken: "envtok"},
	}, {
		name:        "environment without the secret",
		pc:          envPC(),
		env:         map[string]string{iotv1.EnvAccessKeyID: "LTAIenv"},
		wantReason:  iotv1.ReasonEnvironmentIncomplete,
		wantMessage: []string{iotv1.EnvAccessKeySecret},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			builder := fake.NewClientBuilder().WithScheme(scheme)
			if tc.secret != nil {
				builder = builder.WithObjects(tc.secret)
			}
			got, err := LoadCredentials(context.Background(), builder.Build(), tc.pc, envOf(tc.env))
			if tc.wantReason == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if got != tc.want {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
				return
			}
			var credErr *CredentialsError
			if !errors.As(err, &credErr) {
				t.Fatalf("error %v is not a *CredentialsError", err)
			}
			if credErr.Reason != tc.wantReason {
				t.Errorf("reason = %s, want %s", credErr.Reason, tc.wantReason)
			}
			for _, part := range tc.wantMessage {
				if !strings.Contains(credErr.Message, part) {
					t.Errorf("message %q does not name %q", credErr.Message, part)
				}
			}
			for _, secret := range []string{"s3cr3t", "tok", "envsecret", "LTAIid", "LTAIenv"} {
				if strings.Contains(credErr.Message, secret) {
					t.Errorf("message %q carries the value %q", credErr.Message, secret)
				}
			}
		})
	}
}
