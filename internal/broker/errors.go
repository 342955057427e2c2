package broker

import "errors"

var (
	// ErrAdminRefused is the reason a connection that sent an admin request
	// with no per-item error to carry the refusal is closed.
	ErrAdminRefused = errors.New("admin requests are refused by the embedded broker")
	// ErrSASLCredentials: SASL needs both a user and a password.
	ErrSASLCredentials = errors.New("user and password are required")
	// ErrTLSPair: TLS needs both a certificate and a key file.
	ErrTLSPair = errors.New("certificate and key files must be given together")
)
