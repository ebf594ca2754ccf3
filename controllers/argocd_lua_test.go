package controllers

import (
	"context"
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// argoLuaLibraries are the libraries Argo CD v3 opens for a health script
// from argocd-cm without resource.customizations.useOpenLibs: its
// util/lua/lua.go (VM.runLuaWithResourceActionParameters) makes the state
// with SkipOpenLibs and opens package, base and table, and an os of its own
// that has only time and date (util/lua/oslib_safe.go). string and math
// are not there: a script that calls string.lower fails in Argo CD with a
// script error, and so it does here.
var argoLuaLibraries = []struct {
	name string
	open lua.LGFunction
}{
	{lua.LoadLibName, lua.OpenPackage},
	{lua.BaseLibName, lua.OpenBase},
	{lua.TabLibName, lua.OpenTable},
	{lua.OsLibName, openArgoOs},
}

// argoOsFunctions stand in for Argo CD's reduced os library: the same two
// names, so a script that reaches for anything else of os (getenv, exit)
// fails here as it does there. Kiot's scripts call neither.
var argoOsFunctions = map[string]lua.LGFunction{
	"time": func(l *lua.LState) int { l.Push(lua.LNumber(time.Now().Unix())); return 1 },
	"date": func(l *lua.LState) int { l.Push(lua.LString(time.Now().Format(time.ANSIC))); return 1 },
}

func openArgoOs(l *lua.LState) int {
	l.Push(l.RegisterModule(lua.OsLibName, argoOsFunctions))
	return 1
}

// argoHealthCodes are the statuses Argo CD accepts from a script; any other
// reads as Unknown ("Lua returned an invalid health status").
var argoHealthCodes = map[string]bool{"Unknown": true, "Progressing": true, "Suspended": true, "Healthy": true, "Degraded": true, "Missing": true}

// runArgoHealth evaluates a health script on u as Argo CD v3 does: the
// libraries above, the resource as the global obj (Argo CD's decoding:
// objects and arrays become tables, numbers numbers), an empty actionParams,
// a one-second limit, and the returned table read as {status, message}. An
// error here is what Argo CD shows as a health script error.
func runArgoHealth(script string, u map[string]any) (status, message string, err error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range argoLuaLibraries {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return "", "", err
		}
	}
	l.PreloadModule(lua.OsLibName, func(l *lua.LState) int {
		l.Push(l.SetFuncs(l.NewTable(), argoOsFunctions))
		return 1
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("actionParams", l.NewTable())
	l.SetGlobal("obj", toLua(l, u))
	if err := l.DoString(script); err != nil {
		return "", "", err
	}
	hs, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return "", "", fmt.Errorf("expect table output from Lua script, not %s", l.Get(-1).Type())
	}
	s, sOK := hs.RawGetString("status").(lua.LString)
	m, mOK := hs.RawGetString("message").(lua.LString)
	if hs.RawGetString("message") == lua.LNil {
		m, mOK = "", true
	}
	if !sOK || !mOK {
		return "", "", fmt.Errorf("status and message must be strings: %v, %v", hs.RawGetString("status"), hs.RawGetString("message"))
	}
	if !argoHealthCodes[string(s)] {
		return "Unknown", "Lua returned an invalid health status", nil
	}
	return string(s), string(m), nil
}

func toLua(l *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case map[string]any:
		t := l.CreateTable(0, len(v))
		for k, e := range v {
			t.RawSetH(lua.LString(k), toLua(l, e))
		}
		return t
	case []any:
		t := l.CreateTable(len(v), 0)
		for _, e := range v {
			t.Append(toLua(l, e))
		}
		return t
	case string:
		return lua.LString(v)
	case bool:
		return lua.LBool(v)
	case int64:
		return lua.LNumber(v)
	case int:
		return lua.LNumber(v)
	case int32:
		return lua.LNumber(v)
	case float64:
		return lua.LNumber(v)
	default:
		return lua.LNil
	}
}
