package webhook

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/fsnotify/fsnotify"
	"github.com/go-logr/logr"

	"github.com/mtuguard/mtuguard/policies"
)

// ConfigStore holds the current config and reloads it when its file changes. A ConfigMap
// mounted as a volume changes by an atomic symlink swap in its directory, so the store
// watches the directory, not the file.
type ConfigStore struct {
	path    string
	current atomic.Pointer[policies.Config]
	log     logr.Logger
	// reloaded is signalled after every reload attempt (tests wait on it).
	reloaded chan error
}

// NewConfigStore loads path ("" means the empty config: no path declared).
func NewConfigStore(path string, log logr.Logger) (*ConfigStore, error) {
	s := &ConfigStore{path: path, log: log, reloaded: make(chan error, 1)}
	cfg := policies.Config{}
	if path != "" {
		var err error
		if cfg, err = policies.LoadConfig(path); err != nil {
			return nil, err
		}
	}
	s.current.Store(&cfg)
	return s, nil
}

// Current is the config in force.
func (s *ConfigStore) Current() policies.Config { return *s.current.Load() }

// Reloaded delivers the outcome of each reload attempt.
func (s *ConfigStore) Reloaded() <-chan error { return s.reloaded }

// Start watches the config file until ctx ends (a manager.Runnable).
func (s *ConfigStore) Start(ctx context.Context) error {
	if s.path == "" {
		<-ctx.Done()
		return nil
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.Add(filepath.Dir(s.path)); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-w.Events:
			if ev.Has(fsnotify.Chmod) {
				continue
			}
			s.reload()
		case err := <-w.Errors:
			s.log.Error(err, "watching the config")
		}
	}
}

func (s *ConfigStore) reload() {
	cfg, err := policies.LoadConfig(s.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return // mid-swap: the new link is not there yet; its own event follows
	case err != nil:
		s.log.Error(err, "invalid config; keeping the previous one", "path", s.path)
	default:
		s.current.Store(&cfg)
		s.log.Info("config reloaded", "path", s.path)
	}
	select {
	case s.reloaded <- err:
	default:
	}
}
