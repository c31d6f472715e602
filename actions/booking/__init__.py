"""The booking and call-back forms, one module per step of a form's life.

1. ``offer.py``    "Book a consultation": the booking link, the phone, "send my details".
2. ``slots.py``    the form's slot names and what each form asks, in order (``FormSpec``).
3. ``ask.py``      the questions that depend on the conversation or the clinic
                   (the number texting on SMS / WhatsApp, the pain area already
                   mentioned, the time buttons, the summary).
4. ``validate.py`` the validation action (``validate_<form>``): is the latest message an
                   answer to the question just asked, and is it usable?
5. ``answers.py``  pure parsing behind ``validate.py``: yes / no, names, phone or email;
                   no Rasa objects, so every rule is tested on its own.
6. ``submit.py``   the end: store the request, or say that nothing was stored (consent
                   refused, "cancel", or "can I talk to someone?", which hands off).

After a request is sent, a phone number or email typed on its own gets a reply from
``actions/contact.py`` (nothing is stored from it).

The forms themselves (``booking_form``, ``callback_form``) are declared in domain.yml;
the rules that start them and handle interruptions are in data/rules/booking.yml.
"""
