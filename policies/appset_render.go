package policies

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	texttemplate "text/template"

	"github.com/Masterminds/sprig/v3"
	"sigs.k8s.io/yaml"
)

// How an Argo CD ApplicationSet renders its template with a generator's parameters
// (applicationset/utils/utils.go in argoproj/argo-cd: Render.Replace and
// deeplyReplace): every string of the Application is a template, map keys included,
// numbers and booleans are left alone. Without goTemplate, `{{name}}` is replaced by the
// string parameter of that name (spaces inside the braces trimmed) and any other tag
// stays as written; with goTemplate, each string is a Go text/template with sprig's
// functions, executed over the parameters.

// Bounds on what rendering one ApplicationSet may cost: a template is input, and Go
// templates with sprig can loop and build strings.
const (
	maxRenderedString = 1 << 20  // one rendered string
	maxRenderedTotal  = 64 << 20 // every string of every generated Application
	maxFuncValue      = 4 << 20  // any value passed to or returned by a template function
	maxFuncCount      = 4096     // printf widths and precisions
	maxValueDepth     = 100      // nesting of a value passed to a template function
)

// renderer renders one ApplicationSet's strings (or one HelmChartProxy's values).
type renderer struct {
	goTemplate bool
	options    []string                      // goTemplateOptions, checked
	base       func() *texttemplate.Template // the functions; nil for Argo CD's
	left       int                           // bytes left of maxRenderedTotal
	parsed     map[string]*texttemplate.Template
}

// errRenderBudget stops rendering once maxRenderedTotal is spent.
var errRenderBudget = fmt.Errorf("rendering its Applications makes more than %d MiB of text, which mtuguard does not render", maxRenderedTotal>>20)

// replace renders one string with params.
func (r *renderer) replace(s string, params map[string]any) (string, error) {
	return r.replaceWith(s, params, r.options)
}

// replaceWith renders one string with params and the Go template options given.
func (r *renderer) replaceWith(s string, params map[string]any, options []string) (string, error) {
	var out string
	if r.goTemplate {
		t, err := r.parse(s, options)
		if err != nil {
			return "", err
		}
		w := &limitedWriter{left: min(maxRenderedString, r.left)}
		if err := t.Execute(w, params); err != nil {
			if w.over {
				return "", fmt.Errorf("the template renders more than %d KiB", maxRenderedString>>10)
			}
			return "", fmt.Errorf("the Go template does not render: %v", cleanTemplateError(err))
		}
		out = w.b.String()
	} else {
		var err error
		if out, err = fastReplace(s, params); err != nil {
			return "", err
		}
	}
	if r.left -= len(out); r.left < 0 {
		return "", errRenderBudget
	}
	return out, nil
}

func (r *renderer) parse(s string, options []string) (*texttemplate.Template, error) {
	key := strings.Join(options, ",") + "\x00" + s
	if t, ok := r.parsed[key]; ok {
		return t, nil
	}
	base := r.base
	if base == nil {
		base = templateBase
	}
	t, err := base().Clone()
	if err == nil {
		for _, o := range options {
			t = t.Option(o)
		}
		t, err = t.Parse(s)
	}
	if err != nil {
		return nil, fmt.Errorf("the Go template does not parse: %v", cleanTemplateError(err))
	}
	if r.parsed == nil {
		r.parsed = map[string]*texttemplate.Template{}
	}
	r.parsed[key] = t
	return t, nil
}

// cleanTemplateError drops text/template's `template: base:1:2:` prefix: the caller says
// where the string is.
func cleanTemplateError(err error) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "template: base:"); ok {
		msg = "at " + rest
	}
	return msg
}

// goTemplateOption checks a goTemplateOptions entry: text/template panics on any it does
// not know, and knows only missingkey.
func goTemplateOption(o string) error {
	switch o {
	case "missingkey=default", "missingkey=invalid", "missingkey=zero", "missingkey=error":
		return nil
	}
	return fmt.Errorf("goTemplateOptions %q is not a Go template option (missingkey=default, invalid, zero or error)", o)
}

// isTemplated is Argo CD's test for a string it renders without goTemplate: a `{{`
// followed by `}}` on the same line.
var isTemplated = regexp.MustCompile(`{{.*}}`)

// fastReplace renders s as Argo CD's fasttemplate does: the text between `{{` and the next
// `}}`, trimmed, names a parameter; a string parameter replaces the tag, anything else
// leaves it as written. A `{{` without its `}}` fails the whole string.
func fastReplace(s string, params map[string]any) (string, error) {
	if !isTemplated.MatchString(s) {
		return s, nil
	}
	var b strings.Builder
	rest := s
	for {
		start := strings.Index(rest, "{{")
		if start < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		b.WriteString(rest[:start])
		rest = rest[start+2:]
		end := strings.Index(rest, "}}")
		if end < 0 {
			return "", fmt.Errorf("a `{{` has no closing `}}`, so Argo CD cannot render the template")
		}
		tag := rest[:end]
		rest = rest[end+2:]
		if v, ok := params[strings.TrimSpace(tag)].(string); ok && strings.TrimSpace(tag) != "" {
			b.WriteString(v)
		} else {
			b.WriteString("{{" + tag + "}}")
		}
		if b.Len() > maxRenderedString {
			return "", fmt.Errorf("the template renders more than %d KiB", maxRenderedString>>10)
		}
	}
}

type limitedWriter struct {
	b    strings.Builder
	left int
	over bool
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		w.over = true
		return 0, io.ErrShortWrite
	}
	w.left -= len(p)
	return w.b.Write(p)
}

// templateBase is the template every goTemplate string is cloned from: Argo CD's
// functions (sprig's generic ones without env, expandenv and getHostByName, plus
// normalize, toYaml, fromYaml, fromYamlArray), each bounded.
var templateBase = sync.OnceValue(func() *texttemplate.Template {
	return texttemplate.New("base").Funcs(boundedFuncs("Argo CD", argoFuncs()))
})

// argoFuncs are the functions Argo CD adds to sprig's.
func argoFuncs() texttemplate.FuncMap {
	return texttemplate.FuncMap{
		"normalize": SanitizeName,
		"toYaml": func(v any) (string, error) {
			data, err := yaml.Marshal(v)
			return strings.TrimSuffix(string(data), "\n"), err
		},
		"fromYaml": func(s string) (map[string]any, error) {
			m := map[string]any{}
			return m, yaml.Unmarshal([]byte(s), &m)
		},
		"fromYamlArray": func(s string) ([]any, error) {
			var a []any
			return a, yaml.Unmarshal([]byte(s), &a)
		},
	}
}

// controllerRemoved are the sprig functions that read the controller's environment:
// Argo CD and CAAPH remove them.
var controllerRemoved = []string{"env", "expandenv", "getHostByName"}

// refused are sprig functions mtuguard does not run besides those: they cost seconds of
// CPU each and make keys and secrets, never a Cilium setting.
var refused = map[string]string{
	"genPrivateKey": "costly", "genCA": "costly", "genCAWithKey": "costly", "genSelfSignedCert": "costly",
	"genSelfSignedCertWithKey": "costly", "genSignedCert": "costly", "genSignedCertWithKey": "costly",
	"derivePassword": "costly", "bcrypt": "costly", "htpasswd": "costly",
}

// counted are functions whose output grows with a count argument: what they would make,
// in bytes, is checked before they run.
var counted = map[string]func(args []reflect.Value) int{
	"repeat":       func(a []reflect.Value) int { return intArg(a, 0) * len(strArg(a, 1)) },
	"until":        func(a []reflect.Value) int { return 8 * abs(intArg(a, 0)) },
	"untilStep":    func(a []reflect.Value) int { return 8 * stepCount(intArg(a, 0), intArg(a, 1), intArg(a, 2)) },
	"seq":          func(a []reflect.Value) int { return 12 * seqCount(a) },
	"indent":       indentSize,
	"nindent":      indentSize,
	"randAlphaNum": func(a []reflect.Value) int { return intArg(a, 0) },
	"randAlpha":    func(a []reflect.Value) int { return intArg(a, 0) },
	"randAscii":    func(a []reflect.Value) int { return intArg(a, 0) },
	"randNumeric":  func(a []reflect.Value) int { return intArg(a, 0) },
	"randBytes":    func(a []reflect.Value) int { return 2 * intArg(a, 0) },
	"replace": func(a []reflect.Value) int {
		old, s := strArg(a, 0), strArg(a, 2)
		return (len(s)/max(1, len(old))+1)*len(strArg(a, 1)) + len(s)
	},
}

func indentSize(a []reflect.Value) int {
	return intArg(a, 0)*(strings.Count(strArg(a, 1), "\n")+2) + len(strArg(a, 1))
}

// boundedFuncs are sprig's functions with extra, as controller offers them to its users'
// templates (without the environment's), each bounded.
func boundedFuncs(controller string, extra texttemplate.FuncMap) texttemplate.FuncMap {
	funcs := sprig.GenericFuncMap()
	maps.Copy(funcs, extra)
	// text/template's own printing functions, so that their output is bounded too (a
	// template's functions come before its builtins).
	funcs["print"] = fmt.Sprint
	funcs["println"] = fmt.Sprintln
	funcs["printf"] = fmt.Sprintf
	funcs["html"] = func(args ...any) string { return texttemplate.HTMLEscapeString(fmt.Sprint(args...)) }
	funcs["js"] = func(args ...any) string { return texttemplate.JSEscapeString(fmt.Sprint(args...)) }
	funcs["urlquery"] = func(args ...any) string { return url.QueryEscape(fmt.Sprint(args...)) }
	// Functions that store into a map store a copy: a map holding itself would send
	// printing into endless recursion.
	set := funcs["set"].(func(map[string]any, string, any) map[string]any)
	funcs["set"] = func(d map[string]any, k string, v any) map[string]any { return set(d, k, copyTree(v)) }
	for _, name := range []string{"merge", "mergeOverwrite", "mustMerge", "mustMergeOverwrite"} {
		funcs[name] = copyingMerge(funcs[name])
	}
	for name, why := range refused {
		funcs[name] = refusedFunc(name, why)
	}
	for _, name := range controllerRemoved {
		funcs[name] = refusedFunc(name, controller+" removes it")
	}
	for name, fn := range funcs {
		funcs[name] = boundedFunc(name, fn)
	}
	return funcs
}

func refusedFunc(name, why string) func(...any) (string, error) {
	return func(...any) (string, error) {
		return "", fmt.Errorf("mtuguard does not run %s (%s)", name, why)
	}
}

func copyingMerge(fn any) any {
	switch f := fn.(type) {
	case func(map[string]any, ...map[string]any) any:
		return func(dst map[string]any, srcs ...map[string]any) any { return f(dst, copyMaps(srcs)...) }
	case func(map[string]any, ...map[string]any) (any, error):
		return func(dst map[string]any, srcs ...map[string]any) (any, error) { return f(dst, copyMaps(srcs)...) }
	}
	panic(fmt.Sprintf("sprig merge of unexpected type %T", fn))
}

func copyMaps(ms []map[string]any) []map[string]any {
	out := make([]map[string]any, len(ms))
	for i, m := range ms {
		out[i], _ = copyTree(m).(map[string]any)
	}
	return out
}

// copyTree copies maps and lists (bounded: what it is given was measured or parsed),
// typing numbers as Argo CD's JSON decoding of parameters does: every one a float64, so
// that `{{.id}}` prints as Argo CD prints it.
func copyTree(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = copyTree(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = copyTree(x)
		}
		return out
	case int64:
		return float64(t)
	case int:
		return float64(t)
	}
	return v
}

// boundedFunc wraps a template function: it refuses arguments and results over
// maxFuncValue (or nested deeper than maxValueDepth) and counts over maxFuncCount. A
// panic is how a function without an error result fails: text/template turns it into the
// template's error.
func boundedFunc(name string, fn any) any {
	v := reflect.ValueOf(fn)
	t := v.Type()
	if t.Kind() != reflect.Func {
		return fn
	}
	count := counted[name]
	return reflect.MakeFunc(t, func(args []reflect.Value) []reflect.Value {
		size := 0
		for _, a := range args {
			size += measure(a, 0)
		}
		if size > maxFuncValue {
			panic(fmt.Errorf("%s is given more than %d MiB, which mtuguard does not render", name, maxFuncValue>>20))
		}
		if count != nil && count(args) > maxFuncValue {
			panic(fmt.Errorf("%s would make more than %d MiB, which mtuguard does not render", name, maxFuncValue>>20))
		}
		if name == "printf" {
			if err := checkPrintf(args); err != nil {
				panic(err)
			}
		}
		var out []reflect.Value
		if t.IsVariadic() {
			out = v.CallSlice(args)
		} else {
			out = v.Call(args)
		}
		for _, o := range out {
			if measure(o, 0) > maxFuncValue {
				panic(fmt.Errorf("%s makes more than %d MiB, which mtuguard does not render", name, maxFuncValue>>20))
			}
		}
		return out
	}).Interface()
}

// measure sizes a value as serialising it would: strings by length, lists and maps by
// their items, each item counted where it appears; past the bound it stops counting.
func measure(v reflect.Value, depth int) int {
	if depth > maxValueDepth {
		return maxFuncValue + 1
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return 1
		}
		return measure(v.Elem(), depth+1)
	case reflect.String:
		return v.Len()
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Len()
		}
		n := 1
		for i := 0; i < v.Len() && n <= maxFuncValue; i++ {
			n += measure(v.Index(i), depth+1) + 1
		}
		return n
	case reflect.Map:
		n := 1
		it := v.MapRange()
		for it.Next() && n <= maxFuncValue {
			n += measure(it.Key(), depth+1) + measure(it.Value(), depth+1) + 1
		}
		return n
	}
	return 8
}

// checkPrintf refuses widths and precisions over maxFuncCount: fmt pads to them.
func checkPrintf(args []reflect.Value) error {
	format := strArg(args, 0)
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		// The directive's flags, width, precision and argument indexes, up to its verb.
		n := 0
		for i++; i < len(format) && strings.IndexByte("0123456789.+-# *[]", format[i]) >= 0; i++ {
			switch c := format[i]; {
			case c == '*':
				return errors.New("printf widths from arguments (%*d) are not rendered by mtuguard")
			case c >= '0' && c <= '9':
				if n = min(n*10+int(c-'0'), maxFuncCount+1); n > maxFuncCount {
					return fmt.Errorf("printf widths and precisions over %d are not rendered by mtuguard", maxFuncCount)
				}
			default:
				n = 0
			}
		}
	}
	return nil
}

func seqCount(a []reflect.Value) int {
	var nums []int
	if len(a) == 1 && a[0].Kind() == reflect.Slice {
		for i := 0; i < a[0].Len(); i++ {
			nums = append(nums, toInt(a[0].Index(i)))
		}
	}
	switch len(nums) {
	case 1:
		return abs(nums[0])
	case 2:
		return abs(nums[1] - nums[0])
	case 3:
		return stepCount(nums[0], nums[2], nums[1])
	}
	return 0
}

func stepCount(start, stop, step int) int {
	if step == 0 {
		return 0
	}
	return abs((stop - start) / step)
}

func intArg(a []reflect.Value, i int) int {
	if i >= len(a) {
		return 0
	}
	return toInt(a[i])
}

func toInt(v reflect.Value) int {
	for v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(max(min(v.Int(), 1<<40), -1<<40))
	}
	return 0
}

func strArg(a []reflect.Value, i int) string {
	if i >= len(a) {
		return ""
	}
	v := a[i]
	for v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() == reflect.String {
		return v.String()
	}
	return ""
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// SanitizeName is Argo CD's normalize (applicationset/utils/template_functions.go): lower
// case, anything but a-z, 0-9, '-' and '.' made '-', at most 253 characters, no leading
// or trailing '-' or '.'.
func SanitizeName(name string) string {
	name = invalidNameChars.ReplaceAllString(strings.ToLower(name), "-")
	if len(name) > 253 {
		name = name[:253]
	}
	return strings.Trim(name, "-.")
}

var invalidNameChars = regexp.MustCompile(`[^-a-z0-9.]`)
