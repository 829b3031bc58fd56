// Card payment for an order: Stripe.js confirms the PaymentIntent; the webhook funds the escrow.
(function () {
  const box = document.getElementById("card-payment");
  if (!box || !window.Stripe || !box.dataset.stripeKey) return;
  const stripe = window.Stripe(box.dataset.stripeKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  document.getElementById("card-pay").addEventListener("click", async (event) => {
    event.target.disabled = true;
    const result = await stripe.confirmCardPayment(box.dataset.clientSecret, {
      payment_method: { card },
    });
    if (result.error) {
      document.getElementById("card-error").textContent = result.error.message;
      event.target.disabled = false;
    } else {
      window.location.reload();
    }
  });
})();
