/*
** security.c: SWbemSecurity, SWbemPrivilegeSet and SWbemPrivilege, what a services
** object's Security_ hands out. The simulator authenticates nobody: these only keep what a
** client asked for, so that a spec can read back what each connection set.
**
** The rules are the reference pages':
**  - SWbemSecurity.ImpersonationLevel, read/write, WbemImpersonationLevelEnum: Anonymous
**    (1), Identify (2), Impersonate (3), Delegate (4). Of Anonymous: "WMI does not actually
**    support this impersonation level; if a script specifies impersonationLevel=Anonymous,
**    WMI will silently upgrade the impersonation level to Identify", so a put of 1 reads
**    back 2. The default is the "Default Impersonation Level" of the WMI registry settings,
**    3 (Impersonate) unless changed, which the simulator answers.
**  - SWbemSecurity.AuthenticationLevel, read/write, WbemAuthenticationLevelEnum: Default
**    (0), None (1), Connect (2), Call (3), Pkt (4), PktIntegrity (5), PktPrivacy (6). "If
**    you do not set this property, the default COM Authentication level for your system is
**    used": the simulator answers 6 (PktPrivacy), what Wine 8's wbemdisp answers (measured
**    here, with its default ImpersonationLevel 3).
**  - Values outside those enumerations: the pages document no error for a property put;
**    the simulator refuses them with WBEM_E_INVALID_PARAMETER (wbemErrInvalidParameter)
**    and keeps the old value (a choice).
**  - SWbemPrivilegeSet.Add(iPrivilege, bIsEnabled = True): "If a privilege with the same
**    name already exists in the collection, it is replaced"; AddAsString(strPrivilege,
**    bIsEnabled = True) the same by privilege string ("SeShutdownPrivilege", "Privilege
**    Constants"; compared case-insensitively, as LookupPrivilegeValue does). Both return
**    the SWbemPrivilege; a value outside WbemPrivilegeEnum (1..27) or an unknown string is
**    wbemErrFailed (WBEM_E_FAILED), the one error code the pages list.
**  - Item(iPrivilege): the privilege, or wbemErrNotFound, "Specified privilege does not
**    exist"; Remove(iPrivilege) the same; Count, DeleteAll, and _NewEnum in the order the
**    privileges were added.
**  - SWbemPrivilege: IsEnabled (read/write), Name (the privilege string), DisplayName
**    (LookupPrivilegeDisplayName's text, the name when there is none), Identifier.
** What belongs to whom (a choice): the settings are the services object's (one
** sim_security, refcounted); every SWbemSecurity read from its Security_ reads and writes
** them, and an SWbemPrivilege reads and writes its entry in the set while it is there
** (after Remove or DeleteAll it keeps the value it had). Objects made from the services
** object do not share them: their Security_ answers E_NOTIMPL.
*/
#include <stdlib.h>
#include <string.h>
#include "wbemsim.h"

/* WbemPrivilegeEnum: the value is the index + 1 ("Privilege Constants") */
static const WCHAR *const privilege_names[] = {
  L"SeCreateTokenPrivilege", L"SeAssignPrimaryTokenPrivilege", L"SeLockMemoryPrivilege",
  L"SeIncreaseQuotaPrivilege", L"SeMachineAccountPrivilege", L"SeTcbPrivilege", L"SeSecurityPrivilege",
  L"SeTakeOwnershipPrivilege", L"SeLoadDriverPrivilege", L"SeSystemProfilePrivilege", L"SeSystemtimePrivilege",
  L"SeProfileSingleProcessPrivilege", L"SeIncreaseBasePriorityPrivilege", L"SeCreatePagefilePrivilege",
  L"SeCreatePermanentPrivilege", L"SeBackupPrivilege", L"SeRestorePrivilege", L"SeShutdownPrivilege",
  L"SeDebugPrivilege", L"SeAuditPrivilege", L"SeSystemEnvironmentPrivilege", L"SeChangeNotifyPrivilege",
  L"SeRemoteShutdownPrivilege", L"SeUndockPrivilege", L"SeSyncAgentPrivilege", L"SeEnableDelegationPrivilege",
  L"SeManageVolumePrivilege",
};
#define NPRIVILEGES (LONG)(sizeof privilege_names / sizeof privilege_names[0])

#define IMPERSONATION_ANONYMOUS 1
#define IMPERSONATION_IDENTIFY 2
#define IMPERSONATION_IMPERSONATE 3
#define IMPERSONATION_DELEGATE 4
#define AUTHENTICATION_DEFAULT 0
#define AUTHENTICATION_PKT_PRIVACY 6
enum { LEVEL_IMPERSONATION, LEVEL_AUTHENTICATION };

struct sim_security {
  LONG ref;
  SRWLOCK lock;
  LONG levels[2];               /* by LEVEL_IMPERSONATION, LEVEL_AUTHENTICATION */
  LONG order[NPRIVILEGES];      /* the identifiers in the set, in the order added */
  LONG n;
  BOOL enabled[NPRIVILEGES + 1];   /* by identifier, for those in the set */
};

sim_security *security_new(void)
{
  sim_security *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->ref = 1;
  InitializeSRWLock(&s->lock);
  s->levels[LEVEL_IMPERSONATION] = IMPERSONATION_IMPERSONATE;
  s->levels[LEVEL_AUTHENTICATION] = AUTHENTICATION_PKT_PRIVACY;
  return s;
}

static void security_addref(sim_security *s) { InterlockedIncrement(&s->ref); }

void security_release(sim_security *s)
{
  if (s && InterlockedDecrement(&s->ref) == 0) free(s);
}

/* where id is in the order, -1 when not in the set; the lock is held */
static LONG position(const sim_security *s, LONG id)
{
  LONG i;
  for (i = 0; i < s->n; i++)
    if (s->order[i] == id) return i;
  return -1;
}

/* ---- what the three objects share: each keeps the settings, aggregates the free-threaded
**      marshaler and counts in LiveObjects ---- */

typedef struct sim_part {
  LONG ref;
  IUnknown *ftm;
  sim_security *s;
} sim_part;

static void part_init(sim_part *p, sim_security *s)
{
  p->ref = 1;
  p->s = s;
  security_addref(s);
  sim_live_add();
}

static HRESULT part_query(IUnknown *iface, sim_part *p, REFIID iid, REFIID riid, void **out)
{
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) || IsEqualIID(riid, iid)) {
    *out = iface;
    IUnknown_AddRef(iface);
    return S_OK;
  }
  if (IsEqualIID(riid, &IID_IMarshal)) return sim_ftm_query(iface, &p->ftm, out);
  *out = NULL;
  return E_NOINTERFACE;
}

/* obj: the object p is in, freed with it */
static ULONG part_release(sim_part *p, void *obj)
{
  LONG ref = InterlockedDecrement(&p->ref);
  if (ref == 0) {
    security_release(p->s);
    if (p->ftm) IUnknown_Release(p->ftm);
    free(obj);
    sim_live_sub();
  }
  return ref;
}

/* IUnknown and IDispatch of an object whose sim_part is its member part */
#define SIM_PART(prefix, Iface, iid, source, impl_from) \
static HRESULT WINAPI prefix##_QueryInterface(Iface *iface, REFIID riid, void **out) \
{ return part_query((IUnknown *)iface, &impl_from(iface)->part, iid, riid, out); } \
static ULONG WINAPI prefix##_AddRef(Iface *iface) { return InterlockedIncrement(&impl_from(iface)->part.ref); } \
static ULONG WINAPI prefix##_Release(Iface *iface) { return part_release(&impl_from(iface)->part, impl_from(iface)); } \
SIM_DISPATCH(prefix, Iface, iid, source, impl_from)

/* ---- SWbemPrivilege ---- */

typedef struct sim_privilege {
  ISWbemPrivilege ISWbemPrivilege_iface;
  sim_part part;
  LONG id;
  BOOL enabled;                 /* the value last seen, kept once out of the set */
} sim_privilege;

static inline sim_privilege *impl_from_ISWbemPrivilege(ISWbemPrivilege *iface)
{
  return CONTAINING_RECORD(iface, sim_privilege, ISWbemPrivilege_iface);
}

SIM_PART(privilege, ISWbemPrivilege, &IID_ISWbemPrivilege, L"SWbemPrivilege", impl_from_ISWbemPrivilege)

static HRESULT WINAPI privilege_get_IsEnabled(ISWbemPrivilege *iface, VARIANT_BOOL *out)
{
  sim_privilege *p = impl_from_ISWbemPrivilege(iface);
  sim_security *s = p->part.s;
  AcquireSRWLockExclusive(&s->lock);
  if (position(s, p->id) >= 0) p->enabled = s->enabled[p->id];
  *out = p->enabled ? VARIANT_TRUE : VARIANT_FALSE;
  ReleaseSRWLockExclusive(&s->lock);
  return S_OK;
}

static HRESULT WINAPI privilege_put_IsEnabled(ISWbemPrivilege *iface, VARIANT_BOOL value)
{
  sim_privilege *p = impl_from_ISWbemPrivilege(iface);
  sim_security *s = p->part.s;
  AcquireSRWLockExclusive(&s->lock);
  p->enabled = value != VARIANT_FALSE;
  if (position(s, p->id) >= 0) s->enabled[p->id] = p->enabled;
  ReleaseSRWLockExclusive(&s->lock);
  return S_OK;
}

static HRESULT WINAPI privilege_get_Name(ISWbemPrivilege *iface, BSTR *out)
{
  *out = SysAllocString(privilege_names[impl_from_ISWbemPrivilege(iface)->id - 1]);
  return *out ? S_OK : E_OUTOFMEMORY;
}

static HRESULT WINAPI privilege_get_DisplayName(ISWbemPrivilege *iface, BSTR *out)
{
  const WCHAR *name = privilege_names[impl_from_ISWbemPrivilege(iface)->id - 1];
  WCHAR text[256];
  DWORD n = 256, lang;
  *out = SysAllocString(LookupPrivilegeDisplayNameW(NULL, name, text, &n, &lang) ? text : name);
  return *out ? S_OK : E_OUTOFMEMORY;
}

static HRESULT WINAPI privilege_get_Identifier(ISWbemPrivilege *iface, WbemPrivilegeEnum *out)
{
  *out = (WbemPrivilegeEnum)impl_from_ISWbemPrivilege(iface)->id;
  return S_OK;
}

static const ISWbemPrivilegeVtbl privilege_vtbl = {
  privilege_QueryInterface, privilege_AddRef, privilege_Release,
  privilege_GetTypeInfoCount, privilege_GetTypeInfo, privilege_GetIDsOfNames, privilege_Invoke,
  privilege_get_IsEnabled, privilege_put_IsEnabled, privilege_get_Name, privilege_get_DisplayName,
  privilege_get_Identifier,
};

static HRESULT privilege_create(sim_security *s, LONG id, ISWbemPrivilege **out)
{
  sim_privilege *p = calloc(1, sizeof *p);
  *out = NULL;
  if (!p) return E_OUTOFMEMORY;
  p->ISWbemPrivilege_iface.lpVtbl = &privilege_vtbl;
  part_init(&p->part, s);
  p->id = id;
  AcquireSRWLockShared(&s->lock);
  p->enabled = s->enabled[id];
  ReleaseSRWLockShared(&s->lock);
  *out = &p->ISWbemPrivilege_iface;
  return S_OK;
}

/* ---- SWbemPrivilegeSet ---- */

typedef struct sim_privset {
  ISWbemPrivilegeSet ISWbemPrivilegeSet_iface;
  sim_part part;
} sim_privset;

static inline sim_privset *impl_from_ISWbemPrivilegeSet(ISWbemPrivilegeSet *iface)
{
  return CONTAINING_RECORD(iface, sim_privset, ISWbemPrivilegeSet_iface);
}

SIM_PART(privset, ISWbemPrivilegeSet, &IID_ISWbemPrivilegeSet, L"SWbemPrivilegeSet", impl_from_ISWbemPrivilegeSet)

typedef struct privilege_list { sim_security *s; LONG ids[NPRIVILEGES]; } privilege_list;

static HRESULT enum_privilege(void *ctx, int i, IDispatch **out)
{
  privilege_list *l = ctx;
  return privilege_create(l->s, l->ids[i], (ISWbemPrivilege **)out);
}

static HRESULT WINAPI privset_get__NewEnum(ISWbemPrivilegeSet *iface, IUnknown **out)
{
  sim_security *s = impl_from_ISWbemPrivilegeSet(iface)->part.s;
  privilege_list l;
  LONG n;
  l.s = s;
  /* a snapshot: the objects are made without the lock */
  AcquireSRWLockShared(&s->lock);
  n = s->n;
  memcpy(l.ids, s->order, (size_t)n * sizeof *l.ids);
  ReleaseSRWLockShared(&s->lock);
  return enumvar_collect((int)n, enum_privilege, &l, out);
}

static HRESULT WINAPI privset_Item(ISWbemPrivilegeSet *iface, WbemPrivilegeEnum id, ISWbemPrivilege **out)
{
  sim_security *s = impl_from_ISWbemPrivilegeSet(iface)->part.s;
  BOOL found;
  *out = NULL;
  AcquireSRWLockShared(&s->lock);
  found = position(s, (LONG)id) >= 0;
  ReleaseSRWLockShared(&s->lock);
  if (!found) return sim_fail((HRESULT)WBEM_E_NOT_FOUND, L"Item", NULL);
  return privilege_create(s, (LONG)id, out);
}

static HRESULT WINAPI privset_get_Count(ISWbemPrivilegeSet *iface, LONG *count)
{
  sim_security *s = impl_from_ISWbemPrivilegeSet(iface)->part.s;
  AcquireSRWLockShared(&s->lock);
  *count = s->n;
  ReleaseSRWLockShared(&s->lock);
  return S_OK;
}

/* Add and AddAsString: in the set (replacing the privilege when it is there), and its object */
static HRESULT add(sim_privset *ps, LONG id, VARIANT_BOOL enabled, const WCHAR *operation, ISWbemPrivilege **out)
{
  sim_security *s = ps->part.s;
  *out = NULL;
  if (id < 1 || id > NPRIVILEGES) return sim_fail((HRESULT)WBEM_E_FAILED, operation, NULL);
  AcquireSRWLockExclusive(&s->lock);
  if (position(s, id) < 0) s->order[s->n++] = id;
  s->enabled[id] = enabled != VARIANT_FALSE;
  ReleaseSRWLockExclusive(&s->lock);
  return privilege_create(s, id, out);
}

static HRESULT WINAPI privset_Add(ISWbemPrivilegeSet *iface, WbemPrivilegeEnum id, VARIANT_BOOL enabled,
                                  ISWbemPrivilege **out)
{
  return add(impl_from_ISWbemPrivilegeSet(iface), (LONG)id, enabled, L"Add", out);
}

static HRESULT WINAPI privset_AddAsString(ISWbemPrivilegeSet *iface, BSTR name, VARIANT_BOOL enabled,
                                          ISWbemPrivilege **out)
{
  LONG i;
  for (i = 0; name && i < NPRIVILEGES; i++)
    if (_wcsicmp(name, privilege_names[i]) == 0) break;
  return add(impl_from_ISWbemPrivilegeSet(iface), name ? i + 1 : 0, enabled, L"AddAsString", out);
}

static HRESULT WINAPI privset_Remove(ISWbemPrivilegeSet *iface, WbemPrivilegeEnum id)
{
  sim_security *s = impl_from_ISWbemPrivilegeSet(iface)->part.s;
  LONG at;
  AcquireSRWLockExclusive(&s->lock);
  if ((at = position(s, (LONG)id)) >= 0) {
    memmove(&s->order[at], &s->order[at + 1], (size_t)(s->n - at - 1) * sizeof *s->order);
    s->n--;
  }
  ReleaseSRWLockExclusive(&s->lock);
  return at < 0 ? sim_fail((HRESULT)WBEM_E_NOT_FOUND, L"Remove", NULL) : S_OK;
}

static HRESULT WINAPI privset_DeleteAll(ISWbemPrivilegeSet *iface)
{
  sim_security *s = impl_from_ISWbemPrivilegeSet(iface)->part.s;
  AcquireSRWLockExclusive(&s->lock);
  s->n = 0;
  ReleaseSRWLockExclusive(&s->lock);
  return S_OK;
}

static const ISWbemPrivilegeSetVtbl privset_vtbl = {
  privset_QueryInterface, privset_AddRef, privset_Release,
  privset_GetTypeInfoCount, privset_GetTypeInfo, privset_GetIDsOfNames, privset_Invoke,
  privset_get__NewEnum, privset_Item, privset_get_Count, privset_Add, privset_Remove, privset_DeleteAll,
  privset_AddAsString,
};

/* ---- SWbemSecurity ---- */

typedef struct sim_secobj {
  ISWbemSecurity ISWbemSecurity_iface;
  sim_part part;
} sim_secobj;

static inline sim_secobj *impl_from_ISWbemSecurity(ISWbemSecurity *iface)
{
  return CONTAINING_RECORD(iface, sim_secobj, ISWbemSecurity_iface);
}

SIM_PART(secobj, ISWbemSecurity, &IID_ISWbemSecurity, L"SWbemSecurity", impl_from_ISWbemSecurity)

/* The two levels: their ranges (the enumerations) and names for the last error */
static const struct { LONG least, most; const WCHAR *name; } level_info[] = {
  { IMPERSONATION_ANONYMOUS, IMPERSONATION_DELEGATE, L"ImpersonationLevel" },
  { AUTHENTICATION_DEFAULT, AUTHENTICATION_PKT_PRIVACY, L"AuthenticationLevel" },
};

static LONG level_get(ISWbemSecurity *iface, int which)
{
  sim_security *s = impl_from_ISWbemSecurity(iface)->part.s;
  LONG v;
  AcquireSRWLockShared(&s->lock);
  v = s->levels[which];
  ReleaseSRWLockShared(&s->lock);
  return v;
}

static HRESULT level_put(ISWbemSecurity *iface, int which, LONG v)
{
  sim_security *s = impl_from_ISWbemSecurity(iface)->part.s;
  if (v < level_info[which].least || v > level_info[which].most)
    return sim_fail((HRESULT)WBEM_E_INVALID_PARAMETER, level_info[which].name, NULL);
  /* Anonymous: "WMI will silently upgrade the impersonation level to Identify" */
  if (which == LEVEL_IMPERSONATION && v == IMPERSONATION_ANONYMOUS) v = IMPERSONATION_IDENTIFY;
  AcquireSRWLockExclusive(&s->lock);
  s->levels[which] = v;
  ReleaseSRWLockExclusive(&s->lock);
  return S_OK;
}

static HRESULT WINAPI secobj_get_ImpersonationLevel(ISWbemSecurity *iface, WbemImpersonationLevelEnum *out)
{
  *out = (WbemImpersonationLevelEnum)level_get(iface, LEVEL_IMPERSONATION);
  return S_OK;
}

static HRESULT WINAPI secobj_put_ImpersonationLevel(ISWbemSecurity *iface, WbemImpersonationLevelEnum value)
{
  return level_put(iface, LEVEL_IMPERSONATION, (LONG)value);
}

static HRESULT WINAPI secobj_get_AuthenticationLevel(ISWbemSecurity *iface, WbemAuthenticationLevelEnum *out)
{
  *out = (WbemAuthenticationLevelEnum)level_get(iface, LEVEL_AUTHENTICATION);
  return S_OK;
}

static HRESULT WINAPI secobj_put_AuthenticationLevel(ISWbemSecurity *iface, WbemAuthenticationLevelEnum value)
{
  return level_put(iface, LEVEL_AUTHENTICATION, (LONG)value);
}

static HRESULT WINAPI secobj_get_Privileges(ISWbemSecurity *iface, ISWbemPrivilegeSet **out)
{
  sim_secobj *so = impl_from_ISWbemSecurity(iface);
  sim_privset *ps = calloc(1, sizeof *ps);
  *out = NULL;
  if (!ps) return E_OUTOFMEMORY;
  ps->ISWbemPrivilegeSet_iface.lpVtbl = &privset_vtbl;
  part_init(&ps->part, so->part.s);
  *out = &ps->ISWbemPrivilegeSet_iface;
  return S_OK;
}

static const ISWbemSecurityVtbl secobj_vtbl = {
  secobj_QueryInterface, secobj_AddRef, secobj_Release,
  secobj_GetTypeInfoCount, secobj_GetTypeInfo, secobj_GetIDsOfNames, secobj_Invoke,
  secobj_get_ImpersonationLevel, secobj_put_ImpersonationLevel, secobj_get_AuthenticationLevel,
  secobj_put_AuthenticationLevel, secobj_get_Privileges,
};

HRESULT security_create(sim_security *s, ISWbemSecurity **out)
{
  sim_secobj *so = calloc(1, sizeof *so);
  *out = NULL;
  if (!so) return E_OUTOFMEMORY;
  so->ISWbemSecurity_iface.lpVtbl = &secobj_vtbl;
  part_init(&so->part, s);
  *out = &so->ISWbemSecurity_iface;
  return S_OK;
}
