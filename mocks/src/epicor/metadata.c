/*
 * Service documents and $metadata. v2 answers JSON service documents and
 * OData v4 EDMX; v1 answers AtomPub XML service documents (unless the
 * client asks for JSON) and v3-style EDMX. The EDMX lists the entity sets
 * served, their key fields and the properties of the GetNew template,
 * typed from the template values (reference §9).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/buf.h>
#include "epicor_emu.h"

static int wants_json(const struct km__epicor_call *c)
{
    const char *a = km_request_header(c->req, "Accept");

    return !c->v1 || (a && strstr(a, "json"));
}

static void reply_xml(struct km__epicor_call *c, struct kx_buf *b)
{
    km_response_set(c->res, 200, "application/xml; charset=utf-8",
                    kx_buf_str(b), b->len);
    kx_buf_reset(b);
}

void km__epicor_service_doc(struct km__epicor_call *c)
{
    struct kx_buf b = KX_BUF_INIT;
    cJSON *o, *arr;

    if (strcmp(c->req->method, "GET") != 0) {
        km__epicor_error(c, 405, "Epicor.RESTApi.ErrorHandling.ApiException",
                         "The requested resource does not support http "
                         "method '%s'.",
                         c->req->method);
        return;
    }
    if (wants_json(c)) {
        char ctx[512];

        o = cJSON_CreateObject();
        if (c->v1)
            snprintf(ctx, sizeof(ctx), "%s/%s/api/v1/%s%s$metadata",
                     c->req->base_url, c->emu->instance,
                     c->service ? c->service : "", c->service ? "/" : "");
        else
            snprintf(ctx, sizeof(ctx), "%s/%s/api/v2/odata/%s/%s%s$metadata",
                     c->req->base_url, c->emu->instance, c->co->id,
                     c->service ? c->service : "", c->service ? "/" : "");
        cJSON_AddStringToObject(o, c->v1 ? "odata.metadata" : "@odata.context",
                                ctx);
        arr = cJSON_AddArrayToObject(o, "value");
        for (size_t i = 0; !c->service && km__epicor_services[i]; i++) {
            cJSON *e = cJSON_CreateObject();

            cJSON_AddStringToObject(e, "name", km__epicor_services[i]);
            cJSON_AddStringToObject(e, "url", km__epicor_services[i]);
            cJSON_AddItemToArray(arr, e);
        }
        for (int i = 0; c->service && i < T_COUNT; i++) {
            cJSON *e;

            if (strcmp(km__epicor_defs[i].service, c->service) != 0)
                continue;
            e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "name", km__epicor_defs[i].set);
            cJSON_AddStringToObject(e, "kind", "EntitySet");
            cJSON_AddStringToObject(e, "url", km__epicor_defs[i].set);
            cJSON_AddItemToArray(arr, e);
        }
        km__epicor_reply(c, 200, o);
        return;
    }
    kx_buf_printf(&b,
                  "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
                  "<service xml:base=\"%s/%s/api/v1/%s\" "
                  "xmlns=\"http://www.w3.org/2007/app\" "
                  "xmlns:atom=\"http://www.w3.org/2005/Atom\"><workspace>"
                  "<atom:title>Default</atom:title>",
                  c->req->base_url, c->emu->instance,
                  c->service ? c->service : "");
    for (size_t i = 0; !c->service && km__epicor_services[i]; i++)
        kx_buf_printf(&b,
                      "<collection href=\"%s\"><atom:title>%s</atom:title>"
                      "</collection>",
                      km__epicor_services[i], km__epicor_services[i]);
    for (int i = 0; c->service && i < T_COUNT; i++) {
        if (strcmp(km__epicor_defs[i].service, c->service) == 0)
            kx_buf_printf(&b,
                          "<collection href=\"%s\"><atom:title>%s</atom:title>"
                          "</collection>",
                          km__epicor_defs[i].set, km__epicor_defs[i].set);
    }
    kx_buf_puts(&b, "</workspace></service>");
    reply_xml(c, &b);
}

static const char *edm_type(const struct km__epicor_call *c, const cJSON *v,
                            const char *name)
{
    if (strcmp(name, "SysRevID") == 0)
        return "Edm.Int64";
    if (strcmp(name, "SysRowID") == 0)
        return "Edm.Guid";
    if (cJSON_IsBool(v))
        return "Edm.Boolean";
    if (cJSON_IsNumber(v))
        return km__epicor_decimal_scale(name) >= 0 ? "Edm.Decimal"
                                                   : "Edm.Int32";
    if (cJSON_IsNull(v))
        return c->v1 || !c->emu->v2_date_offset[0] ? "Edm.DateTime"
                                                   : "Edm.DateTimeOffset";
    return "Edm.String";
}

/* The company-level document ({company}/$metadata, v1 /api/v1/$metadata)
 * has every service's types and sets in one container (the set names do
 * not collide); a service's own has its own. */
static int in_scope(const struct km__epicor_call *c, const char *service)
{
    return !c->service || strcmp(service, c->service) == 0;
}

void km__epicor_metadata(struct km__epicor_call *c)
{
    struct kx_buf b = KX_BUF_INIT;

    kx_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    if (c->v1)
        kx_buf_printf(&b,
                      "<edmx:Edmx Version=\"1.0\" xmlns:edmx=\"http://schemas."
                      "microsoft.com/ado/2007/06/edmx\"><edmx:DataServices "
                      "m:DataServiceVersion=\"3.0\" xmlns:m=\"http://schemas."
                      "microsoft.com/ado/2007/08/dataservices/metadata\">"
                      "<Schema Namespace=\"Erp.Tablesets\" xmlns=\"http://"
                      "schemas.microsoft.com/ado/2009/11/edm\">");
    else
        kx_buf_printf(
            &b, "<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-"
                "open.org/odata/ns/edmx\"><edmx:DataServices><Schema "
                "Namespace=\"Erp.Tablesets\" xmlns=\"http://docs.oasis-"
                "open.org/odata/ns/edm\">");
    for (int i = 0; i < T_COUNT; i++) {
        const struct km__epicor_tabledef *d = &km__epicor_defs[i];
        const struct km__epicor_table *t = &c->co->t[i];
        const cJSON *f;

        if (!in_scope(c, d->service))
            continue;
        kx_buf_printf(&b, "<EntityType Name=\"%sRow\"><Key>", d->table);
        for (size_t k = 0; d->keys[k]; k++)
            kx_buf_printf(&b, "<PropertyRef Name=\"%s\"/>", d->keys[k]);
        kx_buf_printf(&b,
                      "</Key><Property Name=\"Company\" Type=\"Edm.String\" "
                      "Nullable=\"false\"/>");
        cJSON_ArrayForEach(f, t->tmpl)
            kx_buf_printf(&b, "<Property Name=\"%s\" Type=\"%s\"/>", f->string,
                          edm_type(c, f, f->string));
        kx_buf_printf(&b, "<Property Name=\"SysRevID\" Type=\"Edm.Int64\"/>"
                          "<Property Name=\"SysRowID\" Type=\"Edm.Guid\"/>"
                          "<Property Name=\"RowMod\" Type=\"Edm.String\"/>");
        for (int k = 0; k < T_COUNT; k++) {
            if (km__epicor_defs[k].parent == i)
                kx_buf_printf(
                    &b,
                    "<NavigationProperty Name=\"%s\" Type=\"Collection("
                    "Erp.Tablesets.%sRow)\"/>",
                    km__epicor_defs[k].set, km__epicor_defs[k].table);
        }
        kx_buf_puts(&b, "</EntityType>");
    }
    kx_buf_printf(&b, "<EntityContainer Name=\"%s\"%s>",
                  c->service ? c->service : "Epicor",
                  c->v1 ? " m:IsDefaultEntityContainer=\"true\"" : "");
    for (int i = 0; i < T_COUNT; i++) {
        if (in_scope(c, km__epicor_defs[i].service))
            kx_buf_printf(&b,
                          "<EntitySet Name=\"%s\" EntityType=\"Erp.Tablesets."
                          "%sRow\"/>",
                          km__epicor_defs[i].set, km__epicor_defs[i].table);
    }
    kx_buf_puts(&b,
                "</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>");
    reply_xml(c, &b);
}
