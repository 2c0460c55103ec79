//! [`ReadyPipelines`]: a route's pipeline, called without cloning it for every request.
//!
//! A tower service is called through `&mut self`, so a route shared by every connection
//! has to hand each request its own instance. Cloning the boxed pipeline per request
//! (what `oneshot` on a clone does) allocates a box and bumps the reference count of
//! every layer's shared state, on cache lines the other worker threads bump too. Instead
//! each worker thread keeps an instance: a request takes its thread's instance (or a
//! fresh clone when another request on the thread holds it, or none was made yet), waits
//! for it to be ready, calls it and puts it back. Instances are interchangeable clones, and
//! a future made by `call` owns what it needs, so an instance serves the next request as
//! soon as it has been called.

use std::cell::RefCell;
use std::future::poll_fn;

use http::{Request, Response};
use shop_kit::client::RequestBody;
use thread_local::ThreadLocal;
use tower::{BoxError, Service};

use super::{Pipeline, UpstreamBody};

/// A pipeline and one ready-to-call instance of it per worker thread.
pub struct ReadyPipelines {
    pipeline: Pipeline,
    instances: ThreadLocal<RefCell<Option<Pipeline>>>,
}

impl ReadyPipelines {
    /// Calls of `pipeline`.
    pub fn new(pipeline: Pipeline) -> Self {
        ReadyPipelines {
            pipeline,
            instances: ThreadLocal::new(),
        }
    }

    /// Sends `request` through the pipeline.
    ///
    /// # Errors
    ///
    /// What the pipeline fails with, when it is not ready or when it fails the request.
    pub async fn call(
        &self,
        request: Request<RequestBody>,
    ) -> Result<Response<UpstreamBody>, BoxError> {
        let mut instance = self.take();
        poll_fn(|cx| instance.poll_ready(cx)).await?;
        let response = instance.call(request);
        // The task may have moved to another thread while it waited: the instance goes back
        // to the thread it is on now, unless that one has an instance already.
        self.slot().borrow_mut().get_or_insert(instance);
        response.await
    }

    /// This thread's instance, or a new clone when it is taken.
    fn take(&self) -> Pipeline {
        let taken = self.slot().borrow_mut().take();
        taken.unwrap_or_else(|| self.pipeline.clone())
    }

    fn slot(&self) -> &RefCell<Option<Pipeline>> {
        self.instances.get_or(|| RefCell::new(None))
    }
}

impl std::fmt::Debug for ReadyPipelines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadyPipelines").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll};
    use tower::util::BoxCloneSyncService;

    /// Answers each request with its path, and counts the clones made of it.
    struct Echo {
        clones: Arc<AtomicUsize>,
    }

    impl Clone for Echo {
        fn clone(&self) -> Self {
            self.clones.fetch_add(1, Ordering::Relaxed);
            Echo {
                clones: Arc::clone(&self.clones),
            }
        }
    }

    impl Service<Request<RequestBody>> for Echo {
        type Response = Response<UpstreamBody>;
        type Error = BoxError;
        type Future = std::future::Ready<Result<Response<UpstreamBody>, BoxError>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: Request<RequestBody>) -> Self::Future {
            let path = request.uri().path().to_owned();
            std::future::ready(Ok(Response::new(UpstreamBody::from(path))))
        }
    }

    fn counting(clones: Arc<AtomicUsize>) -> Pipeline {
        BoxCloneSyncService::new(Echo { clones })
    }

    fn request(path: &str) -> Request<RequestBody> {
        Request::get(path)
            .body(Full::new(bytes::Bytes::new()))
            .unwrap()
    }

    async fn path_of(response: Response<UpstreamBody>) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test(flavor = "current_thread")]
    async fn sequential_requests_on_one_thread_share_one_instance() {
        let clones = Arc::new(AtomicUsize::new(0));
        let pipelines = ReadyPipelines::new(counting(Arc::clone(&clones)));
        for path in ["/a", "/b", "/c"] {
            let response = pipelines.call(request(path)).await.unwrap();
            assert_eq!(path_of(response).await, path);
        }
        assert_eq!(clones.load(Ordering::Relaxed), 1, "one clone, made once");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_request_made_while_the_instance_is_taken_gets_a_clone() {
        let clones = Arc::new(AtomicUsize::new(0));
        let pipelines = ReadyPipelines::new(counting(Arc::clone(&clones)));
        let held = pipelines.take();
        let response = pipelines.call(request("/x")).await.unwrap();
        assert_eq!(path_of(response).await, "/x");
        assert_eq!(clones.load(Ordering::Relaxed), 2);
        drop(held);
    }
}
