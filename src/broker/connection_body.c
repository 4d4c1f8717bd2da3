/* The Connection object of the client connection-list bodies. */
#include "broker/connection_body.h"

#include "remoting/language_code.h"

void
rj_connection_body_write(rj_json_writer_t *w, const rj_connection_t *conn, const char *client_id,
                         int32_t language, int32_t version)
{
    const char *lang = rj_language_code_name(language);
    rj_jw_object_begin(w);
    rj_jw_key(w, "clientAddr");
    rj_jw_string(w, rj_connection_remote_addr(conn));
    rj_jw_key(w, "clientId");
    rj_jw_string(w, client_id);
    rj_jw_key(w, "language");
    rj_jw_string(w, lang ? lang : "OTHER");
    rj_jw_key(w, "version");
    rj_jw_int(w, version);
    rj_jw_object_end(w);
}
