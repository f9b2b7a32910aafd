package repo

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error a Source returns for one of these conditions
// matches the sentinel with errors.Is, so front-ends can map them to status
// codes (ENOENT/404, 409/422, 416, EIO/503) without knowing the backend.
var (
	// ErrNotFound means the identifier or sequence is not in the source.
	ErrNotFound = errors.New("not found")
	// ErrAmbiguous means an identifier matches more than one sequence.
	ErrAmbiguous = errors.New("ambiguous identifier")
	// ErrBadCoordinates means start/end are invalid for the sequence.
	ErrBadCoordinates = errors.New("invalid coordinates")
	// ErrUnavailable means the backend cannot be reached or answered with a
	// transient failure; retrying later may succeed.
	ErrUnavailable = errors.New("source unavailable")
	// ErrUnsupported means the source cannot answer this kind of question
	// (for example a refget server asked to list a namespace).
	ErrUnsupported = errors.New("not supported by this source")
	// ErrReadOnly means a write was attempted on a read-only source.
	ErrReadOnly = errors.New("source is read-only")
	// ErrCorrupt means stored data failed an integrity or format check.
	ErrCorrupt = errors.New("corrupt data")
	// ErrInaccessible means stored data exists but this process may not
	// read it (permissions, a symlink loop, a directory where a file
	// belongs): an operator's problem that retrying does not fix, unlike
	// ErrUnavailable.
	ErrInaccessible = errors.New("data not accessible")
)

// NotFoundError reports an identifier that matched no sequence. Its message
// follows SeqRepo's KeyError text: "Alias X (namespace: NS)".
type NotFoundError struct {
	Alias     string
	Namespace string // empty when any namespace was searched
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("Alias %s (namespace: %s) not found", e.Alias, nsOrNone(e.Namespace))
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// AmbiguousError reports an identifier that matched several sequences.
type AmbiguousError struct {
	Alias      string
	Namespace  string
	Candidates []string // seq_ids, sorted
	Detail     string   // optional extra text (for example which sources disagree)
}

func (e *AmbiguousError) Error() string {
	msg := fmt.Sprintf("Alias %s (namespace: %s): not unique: matches %d sequences: %s",
		e.Alias, nsOrNone(e.Namespace), len(e.Candidates), strings.Join(e.Candidates, ", "))
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// Is makes errors.Is(err, ErrAmbiguous) true.
func (e *AmbiguousError) Is(target error) bool { return target == ErrAmbiguous }

// SeqNotFoundError reports a seq_id that the source does not hold.
type SeqNotFoundError struct{ SeqID string }

func (e *SeqNotFoundError) Error() string { return fmt.Sprintf("sequence %s not found", e.SeqID) }

// Is makes errors.Is(err, ErrNotFound) true.
func (e *SeqNotFoundError) Is(target error) bool { return target == ErrNotFound }

// CoordinateError reports invalid start/end values, with pysam's wording.
type CoordinateError struct{ Msg string }

func (e *CoordinateError) Error() string { return e.Msg }

// Is makes errors.Is(err, ErrBadCoordinates) true.
func (e *CoordinateError) Is(target error) bool { return target == ErrBadCoordinates }

// Unavailable wraps err so that it matches ErrUnavailable while keeping its
// message; what names the server or file that could not be reached.
func Unavailable(what string, err error) error {
	return &wrapped{msg: what + ": " + err.Error(), kind: ErrUnavailable, err: err}
}

// Inaccessible wraps err so that it matches ErrInaccessible; what names
// the file that cannot be read.
func Inaccessible(what string, err error) error {
	return &wrapped{msg: what + ": " + err.Error(), kind: ErrInaccessible, err: err}
}

// Corrupt wraps err so that it matches ErrCorrupt; what names the file or key.
func Corrupt(what string, err error) error {
	return &wrapped{msg: what + ": " + err.Error(), kind: ErrCorrupt, err: err}
}

type wrapped struct {
	msg  string
	kind error
	err  error
}

func (w *wrapped) Error() string        { return w.msg }
func (w *wrapped) Unwrap() []error      { return []error{w.kind, w.err} }
func (w *wrapped) Is(target error) bool { return target == w.kind }
func nsOrNone(ns string) string {
	if ns == "" {
		return "None"
	}
	return ns
}
