/* Schema: Get of a class and of "" (a new class), SpawnInstance_, SpawnDerivedClass_,
 * Properties_ (Add, Item, Remove, Count, _NewEnum), Qualifiers_, Clone_,
 * GetObjectText_. */
#include "client.h"
#include <string.h>

static void get_class(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Thing", NULL, "Name:string:key,Size:uint32");
    IDispatch *cls = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Thing"));
    check_hr(hr, S_OK, "get: Get(\"SimT_Thing\") returns the class");
    IDispatch *path = disp_geto(cls, L"Path_", &hr);
    BOOL is_class = FALSE;
    BSTR name = NULL;
    disp_get_bool(path, L"IsClass", &is_class);
    ok(is_class, "get: the Path_ of a class has IsClass = True");
    disp_get_bstr(path, L"Class", &name);
    check_wstr(name, L"SimT_Thing", "get: the Path_.Class of the class is its name");
    SysFreeString(name);
    LONG n = -1;
    IDispatch *props = disp_geto(cls, L"Properties_", &hr);
    disp_get_long(props, L"Count", &n);
    check_long(n, 2, "get: the class has the properties it was put with");

    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_NoSuchClass"));
    check_hr(hr, WBEM_E_NOT_FOUND_, "get: Get of a class that does not exist gives WBEM_E_NOT_FOUND");
}

/* SWbemServices.Get: "If strObjectPath is empty, the object returned is an empty
 * class that can become a new class" (the script form is objServices.Get()). */
static void get_empty(void)
{
    HRESULT hr;
    LONG n = -1;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    IDispatch *cls = disp_callo(svc, L"Get", &hr, 0);
    check_hr(hr, S_OK, "get: Get() with no path returns a new empty class");
    disp_get_long(disp_geto(cls, L"Properties_", &hr), L"Count", &n);
    check_long(n, 0, "get: the new class of Get() has no properties");
    cls = disp_callo(svc, L"Get", &hr, 1, v_str(L""));
    check_hr(hr, S_OK, "get: Get(\"\") returns a new empty class");
    n = -1;
    disp_get_long(disp_geto(cls, L"Properties_", &hr), L"Count", &n);
    check_long(n, 0, "get: the new class of Get(\"\") has no properties");
}

/* SWbemServices.Get's errors: wbemErrNotFound "The requested object could not be found",
 * wbemErrInvalidObjectPath "The specified path was not valid"; an instance of a class
 * that does not exist: WBEM_E_INVALID_CLASS. */
static void get_errors(void)
{
    HRESULT hr;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Thing", NULL, "Name:string:key,Size:uint32");
    make_instance(svc, L"SimT_Thing", L"Name", L"a");
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Thing.Name=\"b\""));
    check_hr(hr, WBEM_E_NOT_FOUND_, "get: Get of a missing instance gives WBEM_E_NOT_FOUND");
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_NoSuchClass.Name=\"a\""));
    check_hr(hr, WBEM_E_INVALID_CLASS_, "get: Get of an instance of an unknown class gives WBEM_E_INVALID_CLASS");
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Thing.Size=1"));
    check_hr(hr, WBEM_E_INVALID_OBJECT_PATH_, "get: a path whose key name is not a key gives WBEM_E_INVALID_OBJECT_PATH");
    disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Thing.Name=\"a\",Other=\"b\""));
    check_hr(hr, WBEM_E_INVALID_OBJECT_PATH_, "get: a path with a key the class lacks gives WBEM_E_INVALID_OBJECT_PATH");
}

/* ---- Properties_ ---- */
static int has_name(IDispatch **items, int n, const WCHAR *name)
{
    for (int i = 0; i < n; i++) {
        BSTR s = NULL;
        disp_get_bstr(items[i], L"Name", &s);
        int same = s && !wcscmp(s, name);
        SysFreeString(s);
        if (same) return 1;
    }
    return 0;
}

static void properties(void)
{
    HRESULT hr;
    LONG n = -1, type = -1;
    BOOL is_array = TRUE;
    BSTR name = NULL;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    IDispatch *cls = new_class(svc, L"SimT_Props", NULL, "Name:string:key,Size:uint32", &hr);
    IDispatch *props = disp_geto(cls, L"Properties_", &hr);
    disp_get_long(props, L"Count", &n);
    check_long(n, 2, "properties: Properties_.Count counts the properties added");

    IDispatch *extra = disp_callo(props, L"Add", &hr, 2, v_str(L"Extra"), v_i4(CIM_T_SINT32));
    check_hr(hr, S_OK, "properties: Properties_.Add(name, CIMType) returns the new SWbemProperty");
    disp_get_long(props, L"Count", &n);
    check_long(n, 3, "properties: Count grows by one after Add");
    IDispatch *item = disp_callo(props, L"Item", &hr, 1, v_str(L"Extra"));
    check_hr(hr, S_OK, "properties: Properties_.Item(name) finds an added property");
    disp_get_bstr(item, L"Name", &name);
    check_wstr(name, L"Extra", "properties: the SWbemProperty's Name is the name given to Add");
    SysFreeString(name);
    disp_get_long(item, L"CIMType", &type);
    check_long(type, CIM_T_SINT32, "properties: the SWbemProperty's CIMType is the type given to Add");
    disp_get_bool(item, L"IsArray", &is_array);
    ok(!is_array, "properties: IsArray is False for a scalar property");
    (void)extra;

    IDispatch *tags = disp_callo(props, L"Add", &hr, 3, v_str(L"Tags"), v_i4(CIM_T_STRING), v_bool(TRUE));
    is_array = FALSE;
    disp_get_bool(tags, L"IsArray", &is_array);
    ok(SUCCEEDED(hr) && is_array, "properties: Add(name, type, True) makes an array property");

    hr = disp_call(props, L"Remove", NULL, 1, v_str(L"Extra"));
    check_hr(hr, S_OK, "properties: Properties_.Remove(name) removes a property");
    disp_get_long(props, L"Count", &n);
    check_long(n, 3, "properties: Count shrinks by one after Remove");
    disp_callo(props, L"Item", &hr, 1, v_str(L"Extra"));
    check_hr(hr, WBEM_E_NOT_FOUND_, "properties: Item of a removed property gives WBEM_E_NOT_FOUND");
    hr = disp_call(props, L"Remove", NULL, 1, v_str(L"NoSuch"));
    check_hr(hr, WBEM_E_NOT_FOUND_, "properties: Remove of a missing property gives WBEM_E_NOT_FOUND");

    IDispatch *items[8];
    int got = enum_objects(props, items, 8, &hr);
    ok(SUCCEEDED(hr) && got == 3 && has_name(items, got, L"Name") && has_name(items, got, L"Size")
           && has_name(items, got, L"Tags"),
       "properties: _NewEnum enumerates exactly the properties (Name, Size, Tags)");
    if (FAILED(hr) || got != 3) diag("_NewEnum: %s, %d items", hr_name(hr), got);

    hr = put_flags(cls, 0, NULL);
    IDispatch *back = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Props"));
    n = -1;
    disp_get_long(disp_geto(back, L"Properties_", &hr), L"Count", &n);
    check_long(n, 3, "properties: the class read back has the same properties");

    /* SWbemProperty.Value and the dynamic member are the same storage */
    IDispatch *inst = disp_callo(back, L"SpawnInstance_", &hr, 1, v_i4(0));
    IDispatch *size = NULL;
    prop_item(inst, L"Size", &size);
    hr = disp_put(size, L"Value", v_i4(7));
    LONG direct = -1;
    disp_get_long(inst, L"Size", &direct);
    check_long(direct, 7, "properties: a value set through Properties_.Item(n).Value reads back as obj.n");
    disp_put(inst, L"Size", v_i4(9));
    LONG via = -1;
    disp_get_long(size, L"Value", &via);
    check_long(via, 9, "properties: a value set as obj.n reads back through Properties_.Item(n).Value");
}

/* ---- Qualifiers_ ---- */
static void qualifiers(void)
{
    HRESULT hr;
    BOOL key = FALSE;
    BSTR desc = NULL;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    IDispatch *cls = new_class(svc, L"SimT_Quals", NULL, "Name:string:key,Size:uint32", &hr);
    VARIANT res;
    hr = disp_call(disp_geto(cls, L"Qualifiers_", &hr), L"Add", &res, 2, v_str(L"Description"),
                   v_str(L"a test class"));
    check_hr(hr, S_OK, "qualifiers: Qualifiers_.Add(\"Description\", text) on a class");
    VariantClear(&res);
    put_flags(cls, 0, NULL);

    IDispatch *back = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Quals"));
    IDispatch *name = NULL, *size = NULL;
    prop_item(back, L"Name", &name);
    IDispatch *q = disp_callo(disp_geto(name, L"Qualifiers_", &hr), L"Item", &hr, 1, v_str(L"key"));
    disp_get_bool(q, L"Value", &key);
    ok(SUCCEEDED(hr) && key, "qualifiers: the key property has the qualifier key = True");
    prop_item(back, L"Size", &size);
    disp_callo(disp_geto(size, L"Qualifiers_", &hr), L"Item", &hr, 1, v_str(L"key"));
    check_hr(hr, WBEM_E_NOT_FOUND_, "qualifiers: Item(\"key\") of a non-key property gives WBEM_E_NOT_FOUND");
    q = disp_callo(disp_geto(back, L"Qualifiers_", &hr), L"Item", &hr, 1, v_str(L"Description"));
    disp_get_bstr(q, L"Value", &desc);
    check_wstr(desc, L"a test class", "qualifiers: the class's Description qualifier is stored with the class");
    SysFreeString(desc);
}

/* ---- SpawnInstance_, SpawnDerivedClass_ ---- */
static void spawn_instance(void)
{
    HRESULT hr;
    BOOL is_class = TRUE;
    BSTR cname = NULL;
    LONG n = -1;
    VARIANT *v = vkeep();
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Spawn", NULL, "Name:string:key,Size:uint32");
    IDispatch *inst = spawn(svc, L"SimT_Spawn", &hr);
    check_hr(hr, S_OK, "spawn: SpawnInstance_ of a class returns a new instance");
    IDispatch *path = disp_geto(inst, L"Path_", &hr);
    disp_get_bool(path, L"IsClass", &is_class);
    ok(!is_class, "spawn: the new instance's Path_.IsClass is False");
    disp_get_bstr(path, L"Class", &cname);
    check_wstr(cname, L"SimT_Spawn", "spawn: the new instance's Path_.Class is its class");
    SysFreeString(cname);
    disp_get_long(disp_geto(inst, L"Properties_", &hr), L"Count", &n);
    check_long(n, 2, "spawn: the new instance has the class's properties");
    hr = disp_get(inst, L"Name", v);
    ok(SUCCEEDED(hr) && V_VT(v) == VT_NULL, "spawn: an unset property of a new instance is Null");
    if (FAILED(hr) || V_VT(v) != VT_NULL) diag("Name: %s %s", hr_name(hr), vstr(v));
}

/* SWbemProperty.Origin: "the name of the WMI class in which this property was
 * introduced ... If the property is local (see IsLocal), this value is the same as the
 * owning class." */
static void spawn_derived(void)
{
    HRESULT hr;
    LONG n = -1;
    BSTR origin = NULL;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Base", NULL, "Name:string:key,Size:uint32");
    IDispatch *base = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Base"));
    IDispatch *child = disp_callo(base, L"SpawnDerivedClass_", &hr, 1, v_i4(0));
    check_hr(hr, S_OK, "spawn: SpawnDerivedClass_ returns a new class");
    disp_put(disp_geto(child, L"Path_", &hr), L"Class", v_str(L"SimT_Child"));
    IDispatch *inherited = NULL;
    prop_item(child, L"Name", &inherited);
    disp_get_bstr(inherited, L"Origin", &origin);
    check_wstr(origin, L"SimT_Base", "spawn: in a new derived class, an inherited property's Origin is the base class");
    SysFreeString(origin);
    origin = NULL;
    disp_callo(disp_geto(child, L"Properties_", &hr), L"Add", &hr, 2, v_str(L"Extra"), v_i4(CIM_T_STRING));
    hr = put_flags(child, 0, NULL);
    check_hr(hr, S_OK, "spawn: the derived class is written by Put_");
    IDispatch *back = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Child"));
    disp_get_long(disp_geto(back, L"Properties_", &hr), L"Count", &n);
    check_long(n, 3, "spawn: the derived class has its base's properties and its own");
    IDispatch *p = NULL;
    prop_item(back, L"Name", &p);
    disp_get_bstr(p, L"Origin", &origin);
    check_wstr(origin, L"SimT_Base", "spawn: an inherited property's Origin is the base class");
    SysFreeString(origin);
    BOOL local = TRUE;
    hr = disp_get_bool(p, L"IsLocal", &local);
    ok(SUCCEEDED(hr) && !local, "spawn: an inherited property has IsLocal = False");
    origin = NULL;
    prop_item(back, L"Extra", &p);
    disp_get_bstr(p, L"Origin", &origin);
    check_wstr(origin, L"SimT_Child", "spawn: a property added in the derived class has it as Origin");
    SysFreeString(origin);
    local = FALSE;
    hr = disp_get_bool(p, L"IsLocal", &local);
    ok(SUCCEEDED(hr) && local, "spawn: a property added in the derived class has IsLocal = True");
    hr = make_instance(svc, L"SimT_Child", L"Name", L"c");
    check_hr(hr, S_OK, "spawn: an instance of the derived class is keyed by the inherited key");
}

/* ---- Clone_, GetObjectText_ ---- */
static void clone(void)
{
    HRESULT hr;
    LONG size = -1, n = -1;
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Clone", NULL, "Name:string:key,Size:uint32");
    IDispatch *inst = spawn(svc, L"SimT_Clone", &hr);
    disp_put(inst, L"Name", v_str(L"a"));
    disp_put(inst, L"Size", v_i4(1));
    put_flags(inst, 0, NULL);
    IDispatch *copy = disp_callo(inst, L"Clone_", &hr, 0);
    check_hr(hr, S_OK, "clone: Clone_ returns a copy");
    disp_get_long(copy, L"Size", &size);
    check_long(size, 1, "clone: the copy has the original's values");
    disp_put(copy, L"Size", v_i4(2));
    disp_get_long(inst, L"Size", &size);
    check_long(size, 1, "clone: changing the copy leaves the original alone");
    disp_put(copy, L"Name", v_str(L"b"));
    hr = put_flags(copy, 0, NULL);
    check_hr(hr, S_OK, "clone: the copy with a new key is written by Put_");
    instance_count(svc, L"SimT_Clone", &n);
    check_long(n, 2, "clone: original and copy are two instances");
}

static void object_text(void)
{
    HRESULT hr;
    VARIANT *t = vkeep(), *c = vkeep();
    IDispatch *svc = sim_connect(L"root\\default", &hr);
    make_class(svc, L"SimT_Text", NULL, "Name:string:key,Size:uint32");
    IDispatch *inst = spawn(svc, L"SimT_Text", &hr);
    disp_put(inst, L"Name", v_str(L"alpha"));
    disp_put(inst, L"Size", v_i4(42));
    hr = disp_call(inst, L"GetObjectText_", t, 1, v_i4(0));
    ok(SUCCEEDED(hr) && V_VT(t) == VT_BSTR && wcsstr(V_BSTR(t), L"instance of SimT_Text")
           && wcsstr(V_BSTR(t), L"\"alpha\"") && wcsstr(V_BSTR(t), L"42"),
       "text: GetObjectText_ of an instance is MOF: instance of <class> with its values");
    if (FAILED(hr) || V_VT(t) != VT_BSTR) diag("GetObjectText_: %s %s", hr_name(hr), vstr(t));
    else diag("text: %s", u8(V_BSTR(t)));
    IDispatch *cls = disp_callo(svc, L"Get", &hr, 1, v_str(L"SimT_Text"));
    hr = disp_call(cls, L"GetObjectText_", c, 0);
    ok(SUCCEEDED(hr) && V_VT(c) == VT_BSTR && wcsstr(V_BSTR(c), L"class SimT_Text")
           && wcsstr(V_BSTR(c), L"Size"),
       "text: GetObjectText_ of a class is MOF: class <name> with its properties");
    if (FAILED(hr) || V_VT(c) != VT_BSTR) diag("GetObjectText_: %s %s", hr_name(hr), vstr(c));
}

const test_case suite_schema[] = {
    { "get: Get of a class", get_class },
    { "get: Get of nothing or \"\" gives a new class", get_empty },
    { "get: Get errors", get_errors },
    { "properties: Properties_ Add/Item/Remove/Count/_NewEnum", properties },
    { "qualifiers: Qualifiers_ key and Description", qualifiers },
    { "spawn: SpawnInstance_", spawn_instance },
    { "spawn: SpawnDerivedClass_", spawn_derived },
    { "clone: Clone_", clone },
    { "text: GetObjectText_", object_text },
    { NULL, NULL },
};
