//! The receiver as an axum `Router` (the `axum` feature).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;

use super::EventHookReceiver;

impl EventHookReceiver {
    /// An axum `Router` answering the hook at `path` (such as `/okta/events`): every method
    /// goes to [`handle`](Self::handle). Merge or nest it into your application's router, or
    /// serve it alone.
    pub fn router(&self, path: &str) -> Router {
        Router::new()
            .route(path, any(serve))
            .with_state(self.clone())
    }
}

async fn serve(State(receiver): State<EventHookReceiver>, request: Request<Body>) -> Response {
    receiver.handle(request).await.into_response()
}
