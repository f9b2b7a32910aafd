package s3test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TLS is a throwaway certificate authority and one server certificate it
// signed, valid for the IP address 127.0.0.1 only (so a client that reaches
// the server as "localhost" must refuse it), written as PEM files in a
// temporary directory.
type TLS struct {
	// CAFile is the CA certificate. A Go process started with
	// SSL_CERT_FILE=CAFile trusts the server (on Linux Go reads it instead
	// of the system bundle); the AWS SDK reads AWS_CA_BUNDLE instead when
	// that is set (see TrustEnv).
	CAFile string
	// CertFile and KeyFile are the server's certificate and private key.
	CertFile, KeyFile string
	// Cert is the server certificate and key, for a Go server.
	Cert tls.Certificate
}

// ServerConfig returns a server TLS configuration with the certificate.
func (c *TLS) ServerConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{c.Cert}, MinVersion: tls.VersionTLS12}
}

// NewTLS makes a CA and a server certificate for 127.0.0.1, valid from an
// hour ago for a day.
func NewTLS(t testing.TB) *TLS {
	t.Helper()
	dir := t.TempDir()
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "seqfs test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	c := &TLS{
		CAFile:   filepath.Join(dir, "ca.pem"),
		CertFile: filepath.Join(dir, "server.pem"),
		KeyFile:  filepath.Join(dir, "server-key.pem"),
		Cert:     tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: key},
	}
	for path, block := range map[string]*pem.Block{
		c.CAFile:   {Type: "CERTIFICATE", Bytes: caDER},
		c.CertFile: {Type: "CERTIFICATE", Bytes: leafDER},
		c.KeyFile:  {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// TrustEnv returns environment variables that make a Go program (seqfs, a
// test binary) on Linux trust exactly the CA, and nothing else: through
// the system roots (SSL_CERT_FILE, SSL_CERT_DIR) for plain https clients,
// and through AWS_CA_BUNDLE for the AWS SDK, which uses that bundle alone
// when it is set (as it may be in the environment already). Append them
// to os.Environ(): with os/exec the last value of a variable wins.
func (c *TLS) TrustEnv() []string {
	return []string{"SSL_CERT_FILE=" + c.CAFile, "SSL_CERT_DIR=" + filepath.Join(filepath.Dir(c.CAFile), "no-such-dir"),
		"AWS_CA_BUNDLE=" + c.CAFile}
}
