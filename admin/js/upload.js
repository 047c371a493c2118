// Upload of a deliverable straight from the browser to S3 with the API's pre-signed POST (XMLHttpRequest,
// so the page can show the upload progress).

/** Canonical content type per extension (mirrors chalicelib/delivery/schemas.py ALLOWED_TYPES). */
export const CONTENT_TYPES = {
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  xls: "application/vnd.ms-excel",
  ods: "application/vnd.oasis.opendocument.spreadsheet",
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  txt: "text/plain",
  json: "application/json",
  geojson: "application/geo+json",
  xml: "application/xml",
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  zip: "application/zip",
  "7z": "application/x-7z-compressed",
  gz: "application/gzip",
  sav: "application/x-spss-sav",
  zsav: "application/x-spss-sav",
  por: "application/x-spss-por",
  dta: "application/x-stata-dta",
  sas7bdat: "application/x-sas-data",
  rds: "application/octet-stream",
  parquet: "application/vnd.apache.parquet",
  gpkg: "application/geopackage+sqlite3",
};

export function extensionOf(name) {
  const i = String(name).lastIndexOf(".");
  return i > 0 ? String(name).slice(i + 1).toLowerCase() : "";
}

/** A file name the API accepts: letters, digits, space, . _ - ( ); unsafe characters become "_". */
export function safeFilename(name) {
  let n = String(name).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z0-9 ._()-]/g, "_");
  n = n.replace(/\.{2,}/g, ".").replace(/^[^A-Za-z0-9_(]+/, "");
  if (n.length > 120) {
    const ext = extensionOf(n);
    n = n.slice(0, 119 - ext.length) + "." + ext;
  }
  return n.replace(/[. ]+$/, "") || "berkas";
}

/**
 * POST the file to the pre-signed form. onProgress(loaded, total). Resolves on a 2xx answer; rejects with an
 * Error whose message is Indonesian. Returns {abort} through `handle` so the caller can cancel.
 */
export function postToS3(form, file, onProgress, handle = {}) {
  return new Promise((resolve, reject) => {
    const data = new FormData();
    for (const [k, v] of Object.entries(form.fields || {})) data.append(k, v);
    data.append("file", file); // S3 requires the file to be the last field
    const xhr = new XMLHttpRequest();
    handle.abort = () => xhr.abort();
    xhr.open("POST", form.url, true);
    xhr.upload.addEventListener("progress", (ev) => {
      if (ev.lengthComputable) onProgress(ev.loaded, ev.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve(xhr.status);
        return;
      }
      const code = /<Code>([^<]+)<\/Code>/.exec(xhr.responseText || "");
      const msg = /<Message>([^<]+)<\/Message>/.exec(xhr.responseText || "");
      reject(new Error(`penyimpanan menolak unggahan (HTTP ${xhr.status}${code ? ", " + code[1] : ""}`
        + `${msg ? ": " + msg[1] : ""})`));
    });
    xhr.addEventListener("error", () => reject(new Error("koneksi ke penyimpanan berkas terputus")));
    xhr.addEventListener("abort", () => reject(new Error("unggahan dibatalkan")));
    xhr.addEventListener("timeout", () => reject(new Error("waktu unggah habis")));
    xhr.send(data);
  });
}
