package s3

import (
	"crypto/tls"
	"crypto/x509"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// isTLSVerifyError reports a server certificate that was not trusted: a
// configuration problem that no retry can fix.
func isTLSVerifyError(err error) bool {
	var cve *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var host x509.HostnameError
	var inv x509.CertificateInvalidError
	return errors.As(err, &cve) || errors.As(err, &ua) || errors.As(err, &host) || errors.As(err, &inv)
}

// noTLSRetry tells the AWS SDK's retryer not to retry certificate
// verification failures.
type noTLSRetry struct{}

func (noTLSRetry) IsErrorRetryable(err error) aws.Ternary {
	if isTLSVerifyError(err) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}
