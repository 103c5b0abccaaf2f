package config

// FieldError is one invalid field of a config.
type FieldError struct {
	Field string // dotted path, e.g. "service.schedule[0].mode"
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }
