package fic

import (
	"strconv"
	"unicode"
)

func itoa(n int) string { return strconv.Itoa(n) }

func isLetterOrDigit(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
