package normalize

// This package has no error paths: every input string, valid UTF-8 or not,
// normalizes to some (possibly empty) string. The file exists so the package
// follows the house layout; add named errors here if a fallible API appears.
