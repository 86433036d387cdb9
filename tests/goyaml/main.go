// Command goyaml reads YAML documents the way Concourse does and prints what it read.
//
// Concourse (fly set-pipeline, and the ATC's var interpolation) reads a pipeline
// with gopkg.in/yaml.v2's yaml.Unmarshal into an interface{}. This program does
// exactly that, so interp's tests can ask the reader that matters what a
// rendered file means.
//
// Batch protocol, so thousands of documents cost one process: every stdin line
// is one JSON string (a whole YAML text); every stdout line is the JSON answer
// for it, in order: {"ok": VALUE} or {"error": "MESSAGE"}. VALUE is tagged so
// that types stay distinguishable in JSON:
//
//	["null"]  ["bool", true]  ["int", "12"]  ["float", "1e+300"|"NaN"|"-0"|"+Inf"]
//	["str", "text"]  ["list", [VALUE...]]  ["map", [[KEY, VALUE]...]]  ["time", "RFC3339"]
//
// Map entries are sorted by their key's JSON form (Go maps have no order).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"time"

	yaml "gopkg.in/yaml.v2"
)

func tagged(value interface{}) interface{} {
	switch v := value.(type) {
	case nil:
		return []interface{}{"null"}
	case bool:
		return []interface{}{"bool", v}
	case int:
		return []interface{}{"int", strconv.FormatInt(int64(v), 10)}
	case int64:
		return []interface{}{"int", strconv.FormatInt(v, 10)}
	case uint64:
		return []interface{}{"int", strconv.FormatUint(v, 10)}
	case float64:
		if math.IsNaN(v) {
			return []interface{}{"float", "NaN"}
		}
		return []interface{}{"float", strconv.FormatFloat(v, 'g', -1, 64)}
	case string:
		return []interface{}{"str", v}
	case time.Time:
		return []interface{}{"time", v.Format(time.RFC3339Nano)}
	case []interface{}:
		items := make([]interface{}, len(v))
		for i, item := range v {
			items[i] = tagged(item)
		}
		return []interface{}{"list", items}
	case map[interface{}]interface{}:
		type entry struct {
			sortKey string
			pair    []interface{}
		}
		entries := make([]entry, 0, len(v))
		for key, item := range v {
			taggedKey := tagged(key)
			encoded, _ := json.Marshal(taggedKey)
			entries = append(entries, entry{string(encoded), []interface{}{taggedKey, tagged(item)}})
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].sortKey < entries[j].sortKey })
		pairs := make([]interface{}, len(entries))
		for i, e := range entries {
			pairs[i] = e.pair
		}
		return []interface{}{"map", pairs}
	default:
		return []interface{}{"other", fmt.Sprintf("%T %v", v, v)}
	}
}

func read(document string) (answer map[string]interface{}) {
	defer func() {
		if recovered := recover(); recovered != nil {
			answer = map[string]interface{}{"error": fmt.Sprintf("panic: %v", recovered)}
		}
	}()
	var value interface{}
	if err := yaml.Unmarshal([]byte(document), &value); err != nil {
		return map[string]interface{}{"error": err.Error()}
	}
	return map[string]interface{}{"ok": tagged(value)}
}

func main() {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer out.Flush()
	encoder := json.NewEncoder(out)
	encoder.SetEscapeHTML(false)
	for {
		line, err := in.ReadBytes('\n')
		if len(line) > 0 {
			var document string
			var answer map[string]interface{}
			if jsonErr := json.Unmarshal(line, &document); jsonErr != nil {
				answer = map[string]interface{}{"error": "bad request: " + jsonErr.Error()}
			} else {
				answer = read(document)
			}
			if encodeErr := encoder.Encode(answer); encodeErr != nil {
				fmt.Fprintln(os.Stderr, encodeErr)
				os.Exit(1)
			}
			// Flush when no more input is waiting, so an interactive caller gets its answer.
			if in.Buffered() == 0 {
				out.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}
