package demo

import "errors"

// ErrConfig is wrapped by every error about a bad Config.
var ErrConfig = errors.New("invalid demo config")
