/* Object paths in WMI's forms ("Describing a WMI Namespace Object Path" / "Object
 * path" pages): Class.Key="v", several keys (Class.K1="a",K2=5), singletons
 * (Class=@), and the full \\SERVER\namespace:relpath; SWbemObjectPath's Path,
 * RelPath, Class, Namespace, Server, IsClass. */
#include "client.h"
#include <stdio.h>

static BSTR path_str(IDispatch *path, const WCHAR *member)
{
    BSTR s = NULL;
    disp_get_bstr(path, member, &s);
    return s;
}

static void instance_path(void)
{
    HRESULT hr;
    IDispatch *path = NULL;
    BOOL is_class = TRUE;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Thing", NULL, "Name:string:key");
    IDispatch *inst = spawn(svc, L"SimT_Thing", &hr);
    disp_put(inst, L"Name", v_str(L"a"));
    hr = put_flags(inst, 0, &path);
    check_hr(hr, S_OK, "path: Put_ of an instance returns its SWbemObjectPath");

    BSTR rel = path_str(path, L"RelPath"), cls = path_str(path, L"Class"),
         ns = path_str(path, L"Namespace"), server = path_str(path, L"Server"),
         full = path_str(path, L"Path");
    check_wstr(rel, L"SimT_Thing.Name=\"a\"", "path: RelPath of an instance is Class.Key=\"v\"");
    check_wstr(cls, L"SimT_Thing", "path: Class of an instance path is its class");
    check_wstr(ns, L"root\\default", "path: Namespace is the namespace it was written to");
    ok(server && server[0], "path: Server is set on a path returned by Put_");
    disp_get_bool(path, L"IsClass", &is_class);
    ok(!is_class, "path: IsClass is False for an instance path");
    WCHAR want[512];
    swprintf(want, 512, L"\\\\%ls\\root\\default:SimT_Thing.Name=\"a\"", server ? server : L"?");
    check_wstr(full, want, "path: Path is the full \\\\SERVER\\namespace:RelPath");
    SysFreeString(rel); SysFreeString(cls); SysFreeString(ns); SysFreeString(full);

    IDispatch *got = disp_callo(svc, L"Get", &hr, 1, v_str(L"\\\\.\\root\\default:SimT_Thing.Name=\"a\""));
    check_hr(hr, S_OK, "path: Get of the full path \\\\.\\root\\default:Class.Key=\"v\" finds the instance");
    swprintf(want, 512, L"\\\\%ls\\root\\default:SimT_Thing.Name=\"a\"", server ? server : L"?");
    got = disp_callo(svc, L"Get", &hr, 1, v_str(want));
    check_hr(hr, S_OK, "path: Get of the full path with the Server it reported finds the instance");
    rel = path_str(disp_geto(got, L"Path_", &hr), L"RelPath");
    check_wstr(rel, L"SimT_Thing.Name=\"a\"", "path: the Path_ of an object read by Get has the same RelPath");
    SysFreeString(rel);
    SysFreeString(server);

    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Thing.Name=\"nobody\""));
    check_hr(hr, WBEM_E_NOT_FOUND_, "path: Get of a missing instance gives WBEM_E_NOT_FOUND");
}

/* In an object path, a string key value is quoted and " and \ inside it are
 * escaped with a backslash. */
static void escaped_key(void)
{
    HRESULT hr;
    IDispatch *path = NULL;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Thing", NULL, "Name:string:key");
    IDispatch *inst = spawn(svc, L"SimT_Thing", &hr);
    disp_put(inst, L"Name", v_str(L"a\"b\\c"));
    put_flags(inst, 0, &path);
    BSTR rel = path_str(path, L"RelPath");
    check_wstr(rel, L"SimT_Thing.Name=\"a\\\"b\\\\c\"", "path: \" and \\ in a string key are escaped in RelPath");
    SysFreeString(rel);
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Thing.Name=\"a\\\"b\\\\c\""));
    check_hr(hr, S_OK, "path: Get with the escaped key finds the instance");
}

static void several_keys(void)
{
    HRESULT hr;
    IDispatch *path = NULL;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Multi", NULL, "A:string:key,B:sint32:key,Note:string");
    IDispatch *inst = spawn(svc, L"SimT_Multi", &hr);
    disp_put(inst, L"A", v_str(L"x"));
    disp_put(inst, L"B", v_i4(5));
    disp_put(inst, L"Note", v_str(L"n"));
    put_flags(inst, 0, &path);
    BSTR rel = path_str(path, L"RelPath");
    check_wstr(rel, L"SimT_Multi.A=\"x\",B=5",
               "path: several keys are comma-separated, strings quoted, numbers bare");
    SysFreeString(rel);
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Multi.A=\"x\",B=5"));
    check_hr(hr, S_OK, "path: Get with several keys finds the instance");
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Multi.B=5,A=\"x\""));
    check_hr(hr, S_OK, "path: the order of the keys in a path does not matter");
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Multi.A=\"x\",B=6"));
    check_hr(hr, WBEM_E_NOT_FOUND_, "path: a path with a different key value finds nothing");
}

/* A class with the Singleton qualifier has one instance, named Class=@. */
static void singleton(void)
{
    HRESULT hr;
    VARIANT res;
    IDispatch *path = NULL;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    IDispatch *cls = new_class(svc, L"SimT_Single", NULL, "Value:uint32", &hr);
    hr = disp_call(disp_geto(cls, L"Qualifiers_", &hr), L"Add", &res, 2, v_str(L"Singleton"), v_bool(TRUE));
    VariantClear(&res);
    put_flags(cls, 0, NULL);
    IDispatch *inst = spawn(svc, L"SimT_Single", &hr);
    disp_put(inst, L"Value", v_i4(3));
    hr = put_flags(inst, 0, &path);
    check_hr(hr, S_OK, "path: an instance of a singleton class is written without keys");
    BSTR rel = path_str(path, L"RelPath");
    check_wstr(rel, L"SimT_Single=@", "path: the RelPath of a singleton is Class=@");
    SysFreeString(rel);
    IDispatch *got = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Single=@"));
    LONG v = -1;
    disp_get_long(got, L"Value", &v);
    ok(SUCCEEDED(hr) && v == 3, "path: Get(\"Class=@\") returns the singleton");
}

static void class_path(void)
{
    HRESULT hr;
    BOOL is_class = FALSE;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Thing", NULL, "Name:string:key");
    IDispatch *cls = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Thing"));
    IDispatch *path = disp_geto(cls, L"Path_", &hr);
    disp_get_bool(path, L"IsClass", &is_class);
    ok(is_class, "path: IsClass is True for a class path");
    BSTR rel = path_str(path, L"RelPath"), ns = path_str(path, L"Namespace");
    check_wstr(rel, L"SimT_Thing", "path: the RelPath of a class is its name");
    check_wstr(ns, L"root\\default", "path: the Namespace of a class path is its namespace");
    SysFreeString(rel); SysFreeString(ns);
}

/* SWbemObjectPath.Class: "the name of the class ... read/write"; setting it on the
 * path of a new class names the class (the documented way to create one). */
static void settable_class(void)
{
    HRESULT hr;
    IDispatch *ppath = NULL;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    IDispatch *cls = disp_callo(svc, L"Get", &hr, 1, v_str(L""));
    IDispatch *path = disp_geto(cls, L"Path_", &hr);
    hr = disp_put(path, L"Class", v_str(L"SimT_Named"));
    check_hr(hr, S_OK, "path: Path_.Class can be set on a new class");
    BSTR name = path_str(disp_geto(cls, L"Path_", &hr), L"Class");
    check_wstr(name, L"SimT_Named", "path: the Class set on a new class reads back");
    SysFreeString(name);
    hr = put_flags(cls, 0, &ppath);
    check_hr(hr, S_OK, "path: the named class is written by Put_");
    BSTR rel = path_str(ppath, L"RelPath");
    check_wstr(rel, L"SimT_Named", "path: the path Put_ returns for a class is its name");
    SysFreeString(rel);
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Named"));
    check_hr(hr, S_OK, "path: the new class can be read by its name");
}

const test_case suite_path[] = {
    { "path: instance path Class.Key=\"v\" and full \\\\SERVER\\ns: path", instance_path },
    { "path: escaped string keys", escaped_key },
    { "path: several keys", several_keys },
    { "path: singleton Class=@", singleton },
    { "path: class path", class_path },
    { "path: Path_.Class settable on a new class", settable_class },
    { NULL, NULL },
};
