// Package providerconfig turns a ProviderConfig into what a cloud client
// needs: region, endpoint, instance and credentials.
package providerconfig

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
)

// CredentialsError says why a ProviderConfig's credentials cannot be loaded,
// as a condition reason and a message that tells a person what to fix. It
// names Secrets, keys and variables, never their values.
type CredentialsError struct {
	Reason  string
	Message string
}

func (e *CredentialsError) Error() string { return e.Message }

// Getenv reads the operator's environment; tests substitute their own.
type Getenv func(string) string

// LoadCredentials reads the credentials a ProviderConfig points at. It reads
// them afresh on every call, so a rotated Secret takes effect on the next
// reconcile without a restart. Errors a person must fix are *CredentialsError.
func LoadCredentials(ctx context.Context, reader client.Reader, pc *iotv1.ProviderConfig, getenv Getenv) (aliyun.Credentials, error) {
	switch pc.Spec.Credentials.Source {
	case iotv1.CredentialsSourceEnvironment:
		return fromEnvironment(getenv)
	case iotv1.CredentialsSourceSecret, "":
		return fromSecret(ctx, reader, pc.Spec.Credentials.SecretRef)
	default:
		return aliyun.Credentials{}, &CredentialsError{
			Reason:  iotv1.ReasonInvalidSpec,
			Message: fmt.Sprintf("credentials.source %q is not one of Secret, Environment", pc.Spec.Credentials.Source),
		}
	}
}

func fromSecret(ctx context.Context, reader client.Reader, ref *iotv1.SecretReference) (aliyun.Credentials, error) {
	if ref == nil {
		return aliyun.Credentials{}, &CredentialsError{
			Reason:  iotv1.ReasonInvalidSpec,
			Message: "credentials.secretRef is required when credentials.source is Secret",
		}
	}
	var secret corev1.Secret
	key := types.NamespacedName{Namespace: ref.Namespace, Name: ref.Name}
	if err := reader.Get(ctx, key, &secret); err != nil {
		if apierrors.IsNotFound(err) {
			return aliyun.Credentials{}, &CredentialsError{
				Reason: iotv1.ReasonSecretNotFound,
				Message: fmt.Sprintf("Secret %s not found: create it with the keys %s and %s (and %s for STS credentials)",
					key, iotv1.SecretKeyAccessKeyID, iotv1.SecretKeyAccessKeySecret, iotv1.SecretKeySecurityToken),
			}
		}
		return aliyun.Credentials{}, fmt.Errorf("reading credentials Secret %s: %w", key, err)
	}
	creds := aliyun.Credentials{
		AccessKeyID:     strings.TrimSpace(string(secret.Data[iotv1.SecretKeyAccessKeyID])),
		AccessKeySecret: strings.TrimSpace(string(secret.Data[iotv1.SecretKeyAccessKeySecret])),
		SecurityToken:   strings.TrimSpace(string(secret.Data[iotv1.SecretKeySecurityToken])),
	}
	if missing := missingNames(creds, iotv1.SecretKeyAccessKeyID, iotv1.SecretKeyAccessKeySecret); len(missing) > 0 {
		return aliyun.Credentials{}, &CredentialsError{
			Reason:  iotv1.ReasonSecretKeyMissing,
			Message: fmt.Sprintf("Secret %s has no value for %s", key, strings.Join(missing, " and ")),
		}
	}
	return creds, nil
}

func fromEnvironment(getenv Getenv) (aliyun.Credentials, error) {
	creds := aliyun.Credentials{
		AccessKeyID:     strings.TrimSpace(getenv(iotv1.EnvAccessKeyID)),
		AccessKeySecret: strings.TrimSpace(getenv(iotv1.EnvAccessKeySecret)),
		SecurityToken:   strings.TrimSpace(getenv(iotv1.EnvSecurityToken)),
	}
	if missing := missingNames(creds, iotv1.EnvAccessKeyID, iotv1.EnvAccessKeySecret); len(missing) > 0 {
		return aliyun.Credentials{}, &CredentialsError{
			Reason: iotv1.ReasonEnvironmentIncomplete,
			Message: fmt.Sprintf("the operator's environment has no value for %s: set it on the operator Deployment (for example from a Secret with envFrom)",
				strings.Join(missing, " and ")),
		}
	}
	return creds, nil
}

// missingNames names the required parts that are empty, using the caller's
// names for them (Secret keys or environment variables).
func missingNames(c aliyun.Credentials, idName, secretName string) []string {
	var missing []string
	if c.AccessKeyID == "" {
		missing = append(missing, idName)
	}
	if c.AccessKeySecret == "" {
		missing = append(missing, secretName)
	}
	return missing
}
