package policies

import "time"

// bounded runs f on a goroutine of its own and waits for it at most d: rendering a
// template from the input may loop, or panic in a template function. On a panic, or
// when d passes, it returns what failed says (late: d passed; the goroutine goes on
// until it ends, but is not waited for).
func bounded[T any](d time.Duration, f func() (T, error), failed func(late bool, panicked any) (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				v, err := failed(false, r)
				done <- result{v, err}
			}
		}()
		v, err := f()
		done <- result{v, err}
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.v, r.err
	case <-timer.C:
		return failed(true, nil)
	}
}
