/*
** methods.c: provider methods. The class Win32_Process (its schema, its seeded instances
** and its methods Create, Terminate, GetOwner), how a method is executed (ExecMethod_,
** ExecMethod and their async forms, and the direct calls through an object's IDispatch),
** and SWbemMethodSet / SWbemMethod (an object's Methods_).
**
** Methods are declared here, in code, for the classes that have them (clients' classes
** made with Put_ declare none); a class inherits the methods of its superclasses. A
** method's parameters are, as in WMI, the properties of two classes named __PARAMETERS:
** the in-parameters (qualifier In) and the out-parameters (qualifier Out, ReturnValue
** first), each numbered with the qualifier ID in declaration order. No process is ever
** started or ended: the methods act on the repository's instances of Win32_Process.
*/
#include <stdlib.h>
#include <stdio.h>
#include "wbemsim.h"

typedef struct param_def {
  const WCHAR *name;
  CIMTYPE type;
  BOOL out;
  const WCHAR *cimtype;     /* the CIMTYPE qualifier's text */
} param_def;

struct method_def;
typedef HRESULT (*method_run)(const struct method_def *m, const WCHAR *ns, const sim_path *target,
                              const sim_data *target_data, const sim_data *in, sim_data *out);

typedef struct method_def {
  const WCHAR *cls, *name;
  BOOL is_static, implemented;
  const WCHAR *role;        /* Constructor, Destructor or NULL: a boolean qualifier */
  const param_def *params;  /* in ID order (ReturnValue is not one of them) */
  int nparams;
  method_run run;
} method_def;

/* Win32_Process's return values ("Return value" of each method's page) */
#define RV_SUCCESS 0
#define RV_PATH_NOT_FOUND 9
#define RV_INVALID_PARAMETER 21

#define WMIPRVSE_PID 2740   /* the seeded WmiPrvSE.exe: Create's processes are its children */

static HRESULT process_create(const method_def *m, const WCHAR *ns, const sim_path *target,
                              const sim_data *target_data, const sim_data *in, sim_data *out);
static HRESULT process_terminate(const method_def *m, const WCHAR *ns, const sim_path *target,
                                 const sim_data *target_data, const sim_data *in, sim_data *out);
static HRESULT process_get_owner(const method_def *m, const WCHAR *ns, const sim_path *target,
                                 const sim_data *target_data, const sim_data *in, sim_data *out);

static const param_def create_params[] = {
  { L"CommandLine", CIM_STRING, FALSE, L"string" },
  { L"CurrentDirectory", CIM_STRING, FALSE, L"string" },
  { L"ProcessStartupInformation", CIM_OBJECT, FALSE, L"object:Win32_ProcessStartup" },
  { L"ProcessId", CIM_UINT32, TRUE, L"uint32" },
};
static const param_def terminate_params[] = {
  { L"Reason", CIM_UINT32, FALSE, L"uint32" },
};
static const param_def get_owner_params[] = {
  { L"User", CIM_STRING, TRUE, L"string" },
  { L"Domain", CIM_STRING, TRUE, L"string" },
};
/* the simulator's own, for tests: Sim_Base.Echo (static) and Sim_Base.Reserved (an
** instance method without [implemented]) */
static const param_def echo_params[] = {
  { L"Text", CIM_STRING, FALSE, L"string" },
  { L"Reply", CIM_STRING, TRUE, L"string" },
};
static HRESULT sim_echo(const struct method_def *m, const WCHAR *ns, const sim_path *target,
                        const sim_data *target_data, const sim_data *in, sim_data *out);

#define N(a) ((int)(sizeof a / sizeof a[0]))
static const method_def defs[] = {
  { L"Win32_Process", L"Create", TRUE, TRUE, L"Constructor", create_params, N(create_params), process_create },
  { L"Win32_Process", L"Terminate", FALSE, TRUE, L"Destructor", terminate_params, N(terminate_params),
    process_terminate },
  { L"Win32_Process", L"GetOwner", FALSE, TRUE, NULL, get_owner_params, N(get_owner_params), process_get_owner },
  { L"Sim_Base", L"Echo", TRUE, TRUE, NULL, echo_params, N(echo_params), sim_echo },
  { L"Sim_Base", L"Reserved", FALSE, FALSE, NULL, NULL, 0, NULL },
};
#define NDEFS N(defs)

/* ---- values ---- */

/* Sets a property from text through the coercion a client's put goes through (NULL: null). */
static void set_text(sim_data *d, const WCHAR *name, const WCHAR *text)
{
  sim_prop *p = data_prop(d, name);
  VARIANT in, v;
  if (!p) return;
  V_VT(&in) = VT_NULL;
  if (text) {
    V_VT(&in) = VT_BSTR;
    V_BSTR(&in) = SysAllocString(text);
  }
  if (SUCCEEDED(cim_coerce(p->type, &in, &v))) {
    VariantClear(&p->value);
    p->value = v;
  }
  VariantClear(&in);
}

static void set_ulong(sim_data *d, const WCHAR *name, ULONG n)
{
  WCHAR buf[16];
  swprintf(buf, 16, L"%lu", (unsigned long)n);
  set_text(d, name, buf);
}

/* A string property's text, or NULL (null or absent). */
static const WCHAR *get_text(const sim_data *d, const WCHAR *name)
{
  sim_prop *p = d ? data_prop(d, name) : NULL;
  return p && V_VT(&p->value) == VT_BSTR ? V_BSTR(&p->value) : NULL;
}

static LONG get_long(const sim_data *d, const WCHAR *name, LONG dflt)
{
  sim_prop *p = d ? data_prop(d, name) : NULL;
  VARIANT v;
  LONG r = dflt;
  if (!p || V_VT(&p->value) == VT_NULL) return dflt;
  VariantInit(&v);
  if (SUCCEEDED(VariantChangeType(&v, &p->value, 0, VT_I4))) r = V_I4(&v);
  VariantClear(&v);
  return r;
}

/* ---- Win32_Process: the schema and the seeded instances (repo.c seeds them) ---- */

static const struct { const WCHAR *name; CIMTYPE type; } process_props[] = {
  { L"Caption", CIM_STRING }, { L"CommandLine", CIM_STRING }, { L"CreationClassName", CIM_STRING },
  { L"CreationDate", CIM_DATETIME }, { L"CSCreationClassName", CIM_STRING }, { L"CSName", CIM_STRING },
  { L"Description", CIM_STRING }, { L"ExecutablePath", CIM_STRING }, { L"ExecutionState", CIM_UINT16 },
  { L"Handle", CIM_STRING }, { L"HandleCount", CIM_UINT32 }, { L"InstallDate", CIM_DATETIME },
  { L"KernelModeTime", CIM_UINT64 }, { L"MaximumWorkingSetSize", CIM_UINT32 },
  { L"MinimumWorkingSetSize", CIM_UINT32 }, { L"Name", CIM_STRING }, { L"OSCreationClassName", CIM_STRING },
  { L"OSName", CIM_STRING }, { L"OtherOperationCount", CIM_UINT64 }, { L"OtherTransferCount", CIM_UINT64 },
  { L"PageFaults", CIM_UINT32 }, { L"PageFileUsage", CIM_UINT32 }, { L"ParentProcessId", CIM_UINT32 },
  { L"PeakPageFileUsage", CIM_UINT32 }, { L"PeakVirtualSize", CIM_UINT64 }, { L"PeakWorkingSetSize", CIM_UINT32 },
  { L"Priority", CIM_UINT32 }, { L"PrivatePageCount", CIM_UINT64 }, { L"ProcessId", CIM_UINT32 },
  { L"QuotaNonPagedPoolUsage", CIM_UINT32 }, { L"QuotaPagedPoolUsage", CIM_UINT32 },
  { L"QuotaPeakNonPagedPoolUsage", CIM_UINT32 }, { L"QuotaPeakPagedPoolUsage", CIM_UINT32 },
  { L"ReadOperationCount", CIM_UINT64 }, { L"ReadTransferCount", CIM_UINT64 }, { L"SessionId", CIM_UINT32 },
  { L"Status", CIM_STRING }, { L"TerminationDate", CIM_DATETIME }, { L"ThreadCount", CIM_UINT32 },
  { L"UserModeTime", CIM_UINT64 }, { L"VirtualSize", CIM_UINT64 }, { L"WindowsVersion", CIM_STRING },
  { L"WorkingSetSize", CIM_UINT64 }, { L"WriteOperationCount", CIM_UINT64 }, { L"WriteTransferCount", CIM_UINT64 },
};

static const struct {
  ULONG pid, parent, session, threads;
  const WCHAR *name, *path, *cmd;
} process_seeds[] = {
  { 0, 0, 0, 2, L"System Idle Process", NULL, NULL },
  { 4, 0, 0, 150, L"System", NULL, NULL },
  { 348, 4, 0, 2, L"smss.exe", L"C:\\Windows\\System32\\smss.exe", L"\\SystemRoot\\System32\\smss.exe" },
  { 560, 452, 0, 1, L"wininit.exe", L"C:\\Windows\\system32\\wininit.exe", L"wininit.exe" },
  { 640, 560, 0, 7, L"services.exe", L"C:\\Windows\\system32\\services.exe", L"C:\\Windows\\system32\\services.exe" },
  { 812, 640, 0, 12, L"svchost.exe", L"C:\\Windows\\system32\\svchost.exe",
    L"C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p" },
  { WMIPRVSE_PID, 812, 0, 9, L"WmiPrvSE.exe", L"C:\\Windows\\system32\\wbem\\wmiprvse.exe",
    L"C:\\Windows\\system32\\wbem\\wmiprvse.exe" },
  { 3120, 3088, 1, 60, L"explorer.exe", L"C:\\Windows\\Explorer.EXE", L"C:\\Windows\\Explorer.EXE" },
};

static void long_qual(sim_quals *q, const WCHAR *name, LONG n)
{
  VARIANT v;
  V_VT(&v) = VT_I4;
  V_I4(&v) = n;
  quals_set(q, name, &v, 0);
}

void process_schema(sim_data *c)
{
  int i;
  if (!c) return;
  /* a provider's class: "dynamic" (events on it need WITHIN) and its provider */
  seed_bool_qual(&c->quals, L"dynamic", WBEM_FLAVOR_FLAG_PROPAGATE_TO_INSTANCE);
  seed_text_qual(&c->quals, L"provider", L"CIMWin32");
  /* the rest of the class page's qualifiers */
  seed_bool_qual(&c->quals, L"SupportsCreate", 0);
  seed_text_qual(&c->quals, L"CreateBy", L"Create");
  seed_bool_qual(&c->quals, L"SupportsDelete", 0);
  seed_text_qual(&c->quals, L"DeleteBy", L"DeleteInstance");
  seed_text_qual(&c->quals, L"UUID", L"{8502C4DC-5FBB-11D2-AAC1-006008C78BC7}");
  seed_text_qual(&c->quals, L"DisplayName", L"Processes");
  for (i = 0; i < N(process_props); i++) {
    sim_prop *p = data_add_prop(c, process_props[i].name, process_props[i].type, c->cls);
    if (p && _wcsicmp(p->name, L"Handle") == 0)
      seed_bool_qual(&p->quals, L"key", WBEM_FLAVOR_FLAG_PROPAGATE_TO_INSTANCE |
                WBEM_FLAVOR_FLAG_PROPAGATE_TO_DERIVED_CLASS | WBEM_FLAVOR_NOT_OVERRIDABLE);
  }
}

int process_seed_count(void) { return N(process_seeds); }

/* The values of a process instance; created is its CreationDate. */
static void process_fill(sim_data *d, ULONG pid, ULONG parent, ULONG session, ULONG threads, const WCHAR *name,
                         const WCHAR *path, const WCHAR *cmd, const WCHAR *created)
{
  set_ulong(d, L"Handle", pid);
  set_ulong(d, L"ProcessId", pid);
  set_ulong(d, L"ParentProcessId", parent);
  set_ulong(d, L"SessionId", session);
  set_ulong(d, L"ThreadCount", threads);
  set_text(d, L"Name", name);
  set_text(d, L"Caption", name);
  set_text(d, L"Description", name);
  set_text(d, L"ExecutablePath", path);
  set_text(d, L"CommandLine", cmd);
  set_text(d, L"CreationDate", pid > 4 ? created : NULL);
  set_text(d, L"CreationClassName", L"Win32_Process");
  set_text(d, L"CSCreationClassName", L"Win32_ComputerSystem");
  set_text(d, L"CSName", sim_server_name());
  set_text(d, L"OSCreationClassName", L"Win32_OperatingSystem");
  set_text(d, L"OSName", L"Microsoft Windows 10 Pro|C:\\Windows|\\Device\\Harddisk0\\Partition2");
  set_text(d, L"WindowsVersion", L"10.0.19045");
  set_ulong(d, L"Priority", pid ? 8 : 0);
  set_ulong(d, L"HandleCount", threads * 20);
  set_ulong(d, L"WorkingSetSize", pid ? 4096 * (1000 + pid % 997) : 8192);
  set_ulong(d, L"VirtualSize", 2097152 * (10 + pid % 13));
  set_ulong(d, L"PageFaults", 100 + pid);
  set_ulong(d, L"KernelModeTime", 0);
  set_ulong(d, L"UserModeTime", 0);
}

void process_seed_fill(sim_data *d, int i)
{
  if (!d || i < 0 || i >= N(process_seeds)) return;
  process_fill(d, process_seeds[i].pid, process_seeds[i].parent, process_seeds[i].session, process_seeds[i].threads,
               process_seeds[i].name, process_seeds[i].path, process_seeds[i].cmd, L"20240101080000.000000+000");
}

/* ---- Win32_Process's methods ---- */

static LONG next_pid = 10000;

static HRESULT process_create(const method_def *m, const WCHAR *ns, const sim_path *target,
                              const sim_data *target_data, const sim_data *in, sim_data *out)
{
  const WCHAR *cmd = get_text(in, L"CommandLine"), *s, *e;
  WCHAR exe[MAX_PATH], name[MAX_PATH], path[MAX_PATH + 32], when[32];
  sim_data *cls = NULL, *d;
  sim_path written;
  SYSTEMTIME st;
  size_t n;
  ULONG pid;
  HRESULT hr;
  (void)m; (void)target; (void)target_data;
  /* CreateProcess with neither an application nor a command line is an invalid
  ** parameter; a command line that names no file, a path not found (README, Choices) */
  if (!cmd) return set_ulong(out, L"ReturnValue", RV_INVALID_PARAMETER), S_OK;
  for (s = cmd; *s == L' ' || *s == L'\t'; s++) ;
  if (*s == L'"') {
    e = wcschr(++s, L'"');
    n = e ? (size_t)(e - s) : wcslen(s);
  }
  else n = wcscspn(s, L" \t");
  if (n == 0 || n >= MAX_PATH - 4) return set_ulong(out, L"ReturnValue", RV_PATH_NOT_FOUND), S_OK;
  memcpy(exe, s, n * sizeof *exe);
  exe[n] = 0;
  /* the system searches for name.exe when the name has no extension */
  s = wcsrchr(exe, L'\\');
  if (!s) s = wcsrchr(exe, L'/');
  s = s ? s + 1 : exe;
  if (!wcschr(s, L'.')) wcscat(exe, L".exe");
  wcscpy(name, s);
  if (wcschr(exe, L'\\') || wcschr(exe, L'/')) wcscpy(path, exe);
  else swprintf(path, MAX_PATH + 32, L"C:\\Windows\\system32\\%ls", exe);

  if (FAILED(hr = repo_get_class(ns, L"Win32_Process", &cls))) return hr;
  d = data_spawn_instance(cls);
  data_free(cls);
  if (!d) return E_OUTOFMEMORY;
  GetSystemTime(&st);
  swprintf(when, 32, L"%04u%02u%02u%02u%02u%02u.%06u+000", st.wYear, st.wMonth, st.wDay, st.wHour, st.wMinute,
           st.wSecond, st.wMilliseconds * 1000u);
  pid = (ULONG)InterlockedAdd(&next_pid, 4);
  process_fill(d, pid, WMIPRVSE_PID, 0, 1, name, path, cmd, when);
  hr = repo_put(d, SIM_FLAG_CREATE_ONLY, &written);
  data_free(d);
  if (FAILED(hr)) return hr;
  path_free(&written);
  set_ulong(out, L"ReturnValue", RV_SUCCESS);
  set_ulong(out, L"ProcessId", pid);
  return S_OK;
}

static HRESULT process_terminate(const method_def *m, const WCHAR *ns, const sim_path *target,
                                 const sim_data *target_data, const sim_data *in, sim_data *out)
{
  HRESULT hr;
  (void)m; (void)target_data; (void)in;
  /* the process ends (Reason would be its exit code): its instance is gone */
  if (FAILED(hr = repo_delete(ns, target))) return hr;
  set_ulong(out, L"ReturnValue", RV_SUCCESS);
  return S_OK;
}

static HRESULT process_get_owner(const method_def *m, const WCHAR *ns, const sim_path *target,
                                 const sim_data *target_data, const sim_data *in, sim_data *out)
{
  WCHAR user[256];
  DWORD n = 256;
  (void)m; (void)ns; (void)target; (void)in;
  /* session 0's processes are the system's, but those Create started (children of
  ** WmiPrvSE) run as the caller (README, Choices) */
  if (get_long(target_data, L"SessionId", 0) == 0 && get_long(target_data, L"ParentProcessId", 0) != WMIPRVSE_PID) {
    set_text(out, L"User", L"SYSTEM");
    set_text(out, L"Domain", L"NT AUTHORITY");
  }
  else {
    if (!GetUserNameW(user, &n)) wcscpy(user, L"User");
    set_text(out, L"User", user);
    set_text(out, L"Domain", sim_server_name());
  }
  set_ulong(out, L"ReturnValue", RV_SUCCESS);
  return S_OK;
}

/* ---- Sim_Base's ---- */

static HRESULT sim_echo(const method_def *m, const WCHAR *ns, const sim_path *target,
                        const sim_data *target_data, const sim_data *in, sim_data *out)
{
  const WCHAR *text = get_text(in, L"Text");
  (void)m; (void)ns; (void)target; (void)target_data;
  set_text(out, L"Reply", text);
  set_ulong(out, L"ReturnValue", text ? (ULONG)wcslen(text) : 0);
  return S_OK;
}

/* ---- finding methods ---- */

/* The methods of cls in ns, its superclasses' first (as WMI lists inherited members),
** into v (room for NDEFS); how many. */
static int class_methods(const WCHAR *ns, const WCHAR *cls, const method_def **v)
{
  WCHAR *chain[16];
  int depth = 0, n = 0, i, k;
  WCHAR *name = sim_strdup(cls);
  while (name && depth < 16) {
    sim_data *c;
    chain[depth++] = name;
    if (FAILED(repo_get_class(ns, name, &c))) break;
    name = sim_strdup(c->super);
    data_free(c);
  }
  if (depth == 16) free(name);
  for (k = depth - 1; k >= 0; k--) {
    for (i = 0; i < NDEFS; i++)
      if (_wcsicmp(defs[i].cls, chain[k]) == 0) v[n++] = &defs[i];
    free(chain[k]);
  }
  return n;
}

static const method_def *find_method(const WCHAR *ns, const WCHAR *cls, const WCHAR *name)
{
  const method_def *v[NDEFS];
  int i, n;
  if (!name) return NULL;
  /* only classes named in the table (or derived from one) have methods */
  for (i = 0; i < NDEFS && _wcsicmp(defs[i].name, name) != 0; i++) ;
  if (i == NDEFS) return NULL;
  n = class_methods(ns, cls, v);
  for (i = n - 1; i >= 0; i--)
    if (_wcsicmp(v[i]->name, name) == 0) return v[i];
  return NULL;
}

/* ---- the parameter classes ---- */

static sim_prop *add_param(sim_data *d, const WCHAR *name, CIMTYPE type, const WCHAR *cimtype, BOOL out, int id)
{
  sim_prop *p = data_add_prop(d, name, type, L"__PARAMETERS");
  if (!p) return NULL;
  seed_text_qual(&p->quals, L"CIMTYPE", cimtype);
  seed_bool_qual(&p->quals, out ? L"out" : L"in", 0);
  if (id >= 0) long_qual(&p->quals, L"ID", id);
  return p;
}

/* The class of m's in- or out-parameters; *out NULL (S_OK) when m has no in-parameters. */
static HRESULT params_class(const method_def *m, const WCHAR *ns, BOOL outs, sim_data **out)
{
  sim_data *d;
  int i, count = 0;
  *out = NULL;
  for (i = 0; i < m->nparams; i++) count += m->params[i].out == outs;
  if (!outs && !count) return S_OK;
  if (!(d = data_new(TRUE, ns, L"__PARAMETERS"))) return E_OUTOFMEMORY;
  if (outs && !add_param(d, L"ReturnValue", CIM_UINT32, L"uint32", TRUE, -1)) goto oom;
  for (i = 0; i < m->nparams; i++)
    if (m->params[i].out == outs && !add_param(d, m->params[i].name, m->params[i].type, m->params[i].cimtype, outs, i))
      goto oom;
  *out = d;
  return S_OK;
oom:
  data_free(d);
  return E_OUTOFMEMORY;
}

static const param_def *find_param(const method_def *m, const WCHAR *name, BOOL out)
{
  int i;
  for (i = 0; i < m->nparams; i++)
    if (m->params[i].out == out && _wcsicmp(m->params[i].name, name) == 0) return &m->params[i];
  return NULL;
}

/* The in-parameters a client gave, checked against m's: an instance whose every
** property is an in-parameter with a value of its type (WBEM_E_INVALID_METHOD_PARAMETERS
** otherwise), as an instance of m's in-parameters class (*norm, NULL when none). */
static HRESULT check_in(const method_def *m, const WCHAR *ns, const sim_data *in, sim_data **norm)
{
  sim_data *cls, *d;
  HRESULT hr;
  int i;
  *norm = NULL;
  if (FAILED(hr = params_class(m, ns, FALSE, &cls))) return hr;
  if (!in) {
    data_free(cls);
    return S_OK;
  }
  if (in->is_class) hr = (HRESULT)WBEM_E_INVALID_METHOD_PARAMETERS;
  d = SUCCEEDED(hr) && cls ? data_spawn_instance(cls) : NULL;
  if (SUCCEEDED(hr) && cls && !d) hr = E_OUTOFMEMORY;
  for (i = 0; SUCCEEDED(hr) && i < in->n; i++) {
    const param_def *p = find_param(m, in->props[i].name, FALSE);
    VARIANT v;
    if (!p || FAILED(cim_coerce(p->type, &in->props[i].value, &v))) hr = (HRESULT)WBEM_E_INVALID_METHOD_PARAMETERS;
    else {
      sim_prop *dp = data_prop(d, p->name);
      VariantClear(&dp->value);
      dp->value = v;
    }
  }
  data_free(cls);
  if (FAILED(hr)) data_free(d);
  else *norm = d;
  return hr;
}

/* ---- executing ---- */

HRESULT method_exec(const WCHAR *ns, const WCHAR *path, const WCHAR *name, const sim_data *in, sim_data **out)
{
  const method_def *m;
  sim_data *cls = NULL, *target = NULL, *norm = NULL, *res = NULL;
  sim_path p;
  HRESULT hr;
  BOOL is_class;
  *out = NULL;
  if (!path || !*path) return (HRESULT)WBEM_E_INVALID_OBJECT_PATH;
  if (FAILED(hr = path_parse(path, &p))) return hr;
  is_class = path_is_class(&p);
  hr = repo_get_class(ns, p.cls, &cls);
  if (hr == (HRESULT)WBEM_E_NOT_FOUND) hr = (HRESULT)WBEM_E_INVALID_CLASS;
  if (SUCCEEDED(hr) && !(m = find_method(ns, p.cls, name))) hr = (HRESULT)WBEM_E_INVALID_METHOD;
  /* an instance method needs the instance: the path "MUST contain the class name and
  ** the value of the key properties" (MS-WMI); a static one runs on either */
  if (SUCCEEDED(hr) && is_class && !m->is_static) hr = (HRESULT)WBEM_E_INVALID_OBJECT_PATH;
  /* WbemErrorEnum: "a method not marked with [implemented] in any relevant class" */
  if (SUCCEEDED(hr) && !m->implemented) hr = (HRESULT)WBEM_E_METHOD_NOT_IMPLEMENTED;
  if (SUCCEEDED(hr) && !is_class) hr = repo_get(ns, &p, &target);
  if (SUCCEEDED(hr)) hr = check_in(m, ns, in, &norm);
  if (SUCCEEDED(hr) && SUCCEEDED(hr = params_class(m, ns, TRUE, &res))) {
    sim_data *o = data_spawn_instance(res);
    data_free(res);
    if (!o) hr = E_OUTOFMEMORY;
    else if (FAILED(hr = m->run(m, ns, &p, target, norm, o))) data_free(o);
    else *out = o;
  }
  data_free(norm);
  data_free(target);
  data_free(cls);
  path_free(&p);
  return hr;
}

/* ---- the direct calls (object.c: a method name as a member of the object) ---- */

#define METHOD_BASE 0x20000   /* DISPIDs of methods; properties' are 0x10000 + n */

HRESULT method_dispid(const WCHAR *ns, const WCHAR *cls, const WCHAR *name, DISPID *id)
{
  const method_def *m = cls ? find_method(ns, cls, name) : NULL;
  if (!m) return DISP_E_UNKNOWNNAME;
  *id = METHOD_BASE + (DISPID)(m - defs);
  return S_OK;
}

BOOL method_is_dispid(DISPID id) { return id >= METHOD_BASE && id < METHOD_BASE + NDEFS; }

/* Positional arguments go to the parameters in ID order; an in-parameter takes the
** argument's value, an out-parameter passed by reference (VT_BYREF|VT_VARIANT) receives
** its value after the call; the result is ReturnValue. Failures are recorded as the
** thread's last error (Operation ExecMethod). wbemdisp maps the arguments on the
** client's side, so their refusals come before the round trip. */
HRESULT method_invoke(const WCHAR *ns, const WCHAR *path, DISPID id, DISPPARAMS *params, VARIANT *result)
{
  const method_def *m = &defs[id - METHOD_BASE];
  sim_data *cls = NULL, *in = NULL, *out = NULL;
  UINT k, argc = params->cArgs;
  HRESULT hr;
  if (params->cNamedArgs) return DISP_E_NONAMEDARGS;
  if (argc > (UINT)m->nparams) return sim_fail((HRESULT)WBEM_E_INVALID_METHOD_PARAMETERS, L"ExecMethod", path);
  if (FAILED(hr = params_class(m, ns, FALSE, &cls))) return hr;
  if (cls && !(in = data_spawn_instance(cls))) hr = E_OUTOFMEMORY;
  data_free(cls);
  for (k = 0; SUCCEEDED(hr) && k < argc; k++) {
    VARIANT *a = &params->rgvarg[argc - 1 - k];
    const param_def *p = &m->params[k];
    sim_prop *ip;
    VARIANT v;
    if (p->out) continue;
    while (V_VT(a) == (VT_BYREF | VT_VARIANT)) a = V_VARIANTREF(a);
    if (V_VT(a) == VT_ERROR && V_ERROR(a) == DISP_E_PARAMNOTFOUND) continue;   /* omitted */
    if (FAILED(cim_coerce(p->type, a, &v))) hr = (HRESULT)WBEM_E_INVALID_METHOD_PARAMETERS;
    else if ((ip = data_prop(in, p->name))) {
      VariantClear(&ip->value);
      ip->value = v;
    }
    else VariantClear(&v);
  }
  if (SUCCEEDED(hr)) hr = sim_begin_sync(S_OK, NULL);
  if (SUCCEEDED(hr)) hr = method_exec(ns, path, m->name, in, &out);
  data_free(in);
  if (FAILED(hr)) return sim_fail(hr, L"ExecMethod", path);
  for (k = 0; k < argc; k++) {
    VARIANT *a = &params->rgvarg[argc - 1 - k];
    sim_prop *op = m->params[k].out ? data_prop(out, m->params[k].name) : NULL;
    if (op && V_VT(a) == (VT_BYREF | VT_VARIANT)) {
      VariantClear(V_VARIANTREF(a));
      VariantCopy(V_VARIANTREF(a), &op->value);
    }
  }
  if (result) {
    sim_prop *rv = data_prop(out, L"ReturnValue");
    VariantInit(result);
    if (rv) VariantCopy(result, &rv->value);
  }
  data_free(out);
  return S_OK;
}

/* ---- SWbemMethod ---- */

typedef struct sim_method {
  ISWbemMethod ISWbemMethod_iface;
  LONG ref;
  IUnknown *ftm;
  const method_def *def;
  WCHAR *ns;
} sim_method;

static inline sim_method *impl_from_ISWbemMethod(ISWbemMethod *iface)
{
  return CONTAINING_RECORD(iface, sim_method, ISWbemMethod_iface);
}

static HRESULT WINAPI method_QueryInterface(ISWbemMethod *iface, REFIID riid, void **out)
{
  sim_method *m = impl_from_ISWbemMethod(iface);
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_ISWbemMethod)) {
    *out = iface;
    ISWbemMethod_AddRef(iface);
    return S_OK;
  }
  if (IsEqualIID(riid, &IID_IMarshal)) return sim_ftm_query((IUnknown *)iface, &m->ftm, out);
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI method_AddRef(ISWbemMethod *iface)
{
  return InterlockedIncrement(&impl_from_ISWbemMethod(iface)->ref);
}

static ULONG WINAPI method_Release(ISWbemMethod *iface)
{
  sim_method *m = impl_from_ISWbemMethod(iface);
  LONG ref = InterlockedDecrement(&m->ref);
  if (ref == 0) {
    free(m->ns);
    if (m->ftm) IUnknown_Release(m->ftm);
    free(m);
    sim_live_sub();
  }
  return ref;
}

SIM_DISPATCH(method, ISWbemMethod, &IID_ISWbemMethod, L"SWbemMethod", impl_from_ISWbemMethod)

static HRESULT WINAPI method_get_Name(ISWbemMethod *iface, BSTR *out)
{
  *out = SysAllocString(impl_from_ISWbemMethod(iface)->def->name);
  return *out ? S_OK : E_OUTOFMEMORY;
}

static HRESULT WINAPI method_get_Origin(ISWbemMethod *iface, BSTR *out)
{
  *out = SysAllocString(impl_from_ISWbemMethod(iface)->def->cls);
  return *out ? S_OK : E_OUTOFMEMORY;
}

/* A fresh class object each time: "any changes that are made to this object are not
** reflected in the underlying method definition"; Nothing when there are none. */
static HRESULT get_params(ISWbemMethod *iface, BOOL outs, ISWbemObject **out)
{
  sim_method *m = impl_from_ISWbemMethod(iface);
  sim_data *d;
  HRESULT hr = params_class(m->def, m->ns, outs, &d);
  *out = NULL;
  if (FAILED(hr) || !d) return hr;
  return object_create(d, FALSE, (IDispatch **)out);
}

static HRESULT WINAPI method_get_InParameters(ISWbemMethod *iface, ISWbemObject **out)
{
  return get_params(iface, FALSE, out);
}

static HRESULT WINAPI method_get_OutParameters(ISWbemMethod *iface, ISWbemObject **out)
{
  return get_params(iface, TRUE, out);
}

/* The method's qualifiers, as the qualifiers of an object made to hold them (the set
** keeps it alive): a view of a copy, as InParameters is. */
static HRESULT WINAPI method_get_Qualifiers_(ISWbemMethod *iface, ISWbemQualifierSet **out)
{
  sim_method *m = impl_from_ISWbemMethod(iface);
  sim_data *d = data_new(TRUE, m->ns, m->def->cls);
  ISWbemObject *holder;
  VARIANT map;
  HRESULT hr;
  *out = NULL;
  if (!d) return E_OUTOFMEMORY;
  if (m->def->is_static) seed_bool_qual(&d->quals, L"Static", 0);
  if (m->def->implemented) seed_bool_qual(&d->quals, L"Implemented", 0);
  if (m->def->role) seed_bool_qual(&d->quals, m->def->role, 0);
  /* Win32_Process's documented return values */
  VariantInit(&map);
  if (!wcscmp(m->def->cls, L"Win32_Process")) {
    static const WCHAR *const codes[] = { L"0", L"2", L"3", L"8", L"9", L"21", L".." };
    SAFEARRAYBOUND b = { N(codes), 0 };
    SAFEARRAY *sa = SafeArrayCreate(VT_BSTR, 1, &b);
    LONG i;
    for (i = 0; sa && i < N(codes); i++) {
      BSTR s = SysAllocString(codes[i]);
      SafeArrayPutElement(sa, &i, s);
      SysFreeString(s);
    }
    if (sa) {
      V_VT(&map) = VT_ARRAY | VT_BSTR;
      V_ARRAY(&map) = sa;
      quals_set(&d->quals, L"ValueMap", &map, 0);
      VariantClear(&map);
    }
  }
  if (FAILED(hr = object_create(d, FALSE, (IDispatch **)&holder))) return hr;
  hr = ISWbemObject_get_Qualifiers_(holder, out);
  ISWbemObject_Release(holder);
  return hr;
}

static const ISWbemMethodVtbl method_vtbl = {
  method_QueryInterface, method_AddRef, method_Release,
  method_GetTypeInfoCount, method_GetTypeInfo, method_GetIDsOfNames, method_Invoke,
  method_get_Name, method_get_Origin, method_get_InParameters, method_get_OutParameters, method_get_Qualifiers_,
};

static HRESULT method_create(const method_def *def, const WCHAR *ns, ISWbemMethod **out)
{
  sim_method *m = calloc(1, sizeof *m);
  *out = NULL;
  if (!m || !(m->ns = sim_strdup(ns))) {
    free(m);
    return E_OUTOFMEMORY;
  }
  m->ISWbemMethod_iface.lpVtbl = &method_vtbl;
  m->ref = 1;
  m->def = def;
  sim_live_add();
  *out = &m->ISWbemMethod_iface;
  return S_OK;
}

/* ---- SWbemMethodSet: the methods of the object's class, as they were when Methods_ was read ---- */

typedef struct sim_methodset {
  ISWbemMethodSet ISWbemMethodSet_iface;
  LONG ref;
  IUnknown *ftm;
  WCHAR *ns;
  const method_def *v[NDEFS];
  int n;
} sim_methodset;

static inline sim_methodset *impl_from_ISWbemMethodSet(ISWbemMethodSet *iface)
{
  return CONTAINING_RECORD(iface, sim_methodset, ISWbemMethodSet_iface);
}

static HRESULT WINAPI methodset_QueryInterface(ISWbemMethodSet *iface, REFIID riid, void **out)
{
  sim_methodset *m = impl_from_ISWbemMethodSet(iface);
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, &IID_ISWbemMethodSet)) {
    *out = iface;
    ISWbemMethodSet_AddRef(iface);
    return S_OK;
  }
  if (IsEqualIID(riid, &IID_IMarshal)) return sim_ftm_query((IUnknown *)iface, &m->ftm, out);
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG WINAPI methodset_AddRef(ISWbemMethodSet *iface)
{
  return InterlockedIncrement(&impl_from_ISWbemMethodSet(iface)->ref);
}

static ULONG WINAPI methodset_Release(ISWbemMethodSet *iface)
{
  sim_methodset *m = impl_from_ISWbemMethodSet(iface);
  LONG ref = InterlockedDecrement(&m->ref);
  if (ref == 0) {
    free(m->ns);
    if (m->ftm) IUnknown_Release(m->ftm);
    free(m);
    sim_live_sub();
  }
  return ref;
}

SIM_DISPATCH(methodset, ISWbemMethodSet, &IID_ISWbemMethodSet, L"SWbemMethodSet", impl_from_ISWbemMethodSet)

static HRESULT enum_method(void *ctx, int i, IDispatch **out)
{
  sim_methodset *m = ctx;
  return method_create(m->v[i], m->ns, (ISWbemMethod **)out);
}

static HRESULT WINAPI methodset_get__NewEnum(ISWbemMethodSet *iface, IUnknown **out)
{
  sim_methodset *m = impl_from_ISWbemMethodSet(iface);
  return enumvar_collect(m->n, enum_method, m, out);
}

static HRESULT WINAPI methodset_Item(ISWbemMethodSet *iface, BSTR name, LONG flags, ISWbemMethod **out)
{
  sim_methodset *m = impl_from_ISWbemMethodSet(iface);
  int i;
  (void)flags;
  *out = NULL;
  for (i = 0; name && i < m->n; i++)
    if (_wcsicmp(m->v[i]->name, name) == 0) return method_create(m->v[i], m->ns, out);
  return sim_fail((HRESULT)WBEM_E_NOT_FOUND, L"Item", name);
}

static HRESULT WINAPI methodset_get_Count(ISWbemMethodSet *iface, LONG *count)
{
  *count = impl_from_ISWbemMethodSet(iface)->n;
  return S_OK;
}

static const ISWbemMethodSetVtbl methodset_vtbl = {
  methodset_QueryInterface, methodset_AddRef, methodset_Release,
  methodset_GetTypeInfoCount, methodset_GetTypeInfo, methodset_GetIDsOfNames, methodset_Invoke,
  methodset_get__NewEnum, methodset_Item, methodset_get_Count,
};

HRESULT methodset_create(const WCHAR *ns, const WCHAR *cls, ISWbemMethodSet **out)
{
  sim_methodset *m = calloc(1, sizeof *m);
  *out = NULL;
  if (!m || !(m->ns = sim_strdup(ns ? ns : L""))) {
    free(m);
    return E_OUTOFMEMORY;
  }
  m->ISWbemMethodSet_iface.lpVtbl = &methodset_vtbl;
  m->ref = 1;
  /* a class without a name yet has none */
  if (cls) m->n = class_methods(ns, cls, m->v);
  sim_live_add();
  *out = &m->ISWbemMethodSet_iface;
  return S_OK;
}
