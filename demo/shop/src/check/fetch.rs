//! Reading a paged admin listing of a service, page by page.

use http::header::{ACCEPT, AUTHORIZATION};
use http::{HeaderValue, Method, Request};
use http_body_util::BodyExt;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use shop_kit::client::{RequestBody, ServiceClient};
use shop_kit::config::Secret;

use super::CheckError;

/// The page size asked for: the largest the shared paging allows.
const PAGE_SIZE: u32 = shop_kit::paging::Page::MAX_LIMIT;

/// The largest answer body read: a page of 100 rows is a few tens of kilobytes.
const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// One page of an admin listing.
#[derive(Deserialize)]
struct Listing<T> {
    items: Vec<T>,
    total: u64,
}

/// Every item of the admin listing `GET {base}{path}?limit=&offset=`, read with the admin
/// `token`, following the pages until `total` items are read or a page comes back empty.
pub(super) async fn all<T: DeserializeOwned>(
    client: &ServiceClient,
    token: &Secret,
    base: &str,
    path: &str,
) -> Result<Vec<T>, CheckError> {
    let mut items: Vec<T> = Vec::new();
    loop {
        let url = format!("{base}{path}?limit={PAGE_SIZE}&offset={}", items.len());
        let page: Listing<T> = get(client, token, &url).await?;
        let read = page.items.len();
        items.extend(page.items);
        if read == 0 || items.len() as u64 >= page.total {
            return Ok(items);
        }
    }
}

async fn get<T: DeserializeOwned>(
    client: &ServiceClient,
    token: &Secret,
    url: &str,
) -> Result<T, CheckError> {
    let fail = |reason: String| CheckError::Read {
        url: url.to_owned(),
        reason,
    };
    let authorization = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
        .map_err(|_| fail("the admin token is not a valid header value".to_owned()))?;
    let request = Request::builder()
        .method(Method::GET)
        .uri(url)
        .header(ACCEPT, "application/json")
        .header(AUTHORIZATION, authorization)
        .body(RequestBody::default())
        .map_err(|error| fail(error.to_string()))?;
    let response = client
        .send(request)
        .await
        .map_err(|error| fail(error.to_string()))?;
    let status = response.status();
    let body = http_body_util::Limited::new(response.into_body(), MAX_PAGE_BYTES)
        .collect()
        .await
        .map_err(|error| fail(error.to_string()))?
        .to_bytes();
    if !status.is_success() {
        let detail = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
        return Err(fail(format!("answered {status}: {detail}")));
    }
    serde_json::from_slice(&body).map_err(|error| fail(format!("unexpected JSON: {error}")))
}
